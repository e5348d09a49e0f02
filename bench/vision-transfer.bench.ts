// Supervised frame classifiers and transfer learning. Writes bench/results/vision.json:
// Section 'supervised': held-out accuracy and fit/predict seconds of kNN, linear softmax / SVM and
// the CNN on Breakout's ball column (5 classes, 21×21 RGB frames of random play, 20% of episodes
// held out), and the 5-fold cross-validated accuracy of kNN for k = 1, 3, 5, 10 (L1 and L2).
// Section 'transfer':
// env steps until DQN's evaluation mean return reaches 0.8 (20 greedy episodes every 250 steps,
// budget 6000 steps) from scratch and with a pretrained encoder: frozen whole (only the linear Q
// head learns), frozen convolutions (the dense feature layer and head learn), or fine-tuned.
// The encoder is a CNN trunk trained to classify the ball's and the paddle's columns (25 joint
// classes) on 1000 frames of random play; those frames are reported as the pretraining cost.
// All variants use the DQN 'catch' preset on 10×20 RGB frames, with the trunk's architecture and no
// gradient clipping (frozen variables have no gradient to clip), so only the encoder differs.
import '../agents/registry.js';
import { DqnAgent } from '../agents/dqn.js';
import { createRun } from '../agents/train.js';
import { make } from '../envs/index.js';
import { selectBackend } from '../nets/backend.js';
import { collectFrames } from '../nets/vision/data/index.js';
import {
  CnnClassifier,
  KnnClassifier,
  LinearClassifier,
  crossValidate,
  evaluateClassifier,
  jointPositionLabels,
  positionLabels,
  smallCnnSpecOf,
  transferEncoder,
  type Classifier,
  type FreezeMode,
  type PositionTask,
} from '../nets/vision/supervised/index.js';
import { median, writeResults } from './util.js';

const FRAME = { width: 10, height: 20 };
const TASKS: PositionTask[] = [
  { kind: 'ball', axis: 'x', buckets: 5 },
  { kind: 'paddle', axis: 'x', buckets: 5 },
];
const PRETRAIN_FRAMES = 1000;
const TARGET = 0.8;
const BUDGET = 6000;
const SEEDS = [0, 1, 2];
type Variant = 'scratch' | FreezeMode;
const VARIANTS: readonly Variant[] = ['scratch', 'all', 'convs', 'none'];
const VARIANT_NAMES: Record<Variant, string> = { scratch: 'scratch', all: 'frozen encoder', convs: 'frozen convolutions', none: 'fine-tuned' };

interface RunFigures {
  seed: number;
  stepsToTarget: number | null;
  bestMeanReturn: number | null;
  wallSeconds: number;
}

async function pretrain(): Promise<{ cnn: CnnClassifier; accuracy: number; seconds: number }> {
  const t0 = performance.now();
  const ds = collectFrames(make('Catch-v0', FRAME), 'random', PRETRAIN_FRAMES, { seed: 1 });
  const { train, validation } = ds.split(0.8, 1, { byEpisode: true });
  const cnn = new CnnClassifier({ convs: [{ filters: 8, kernelSize: 3 }, { filters: 16, kernelSize: 3 }], features: 32, epochs: 15, seed: 1 });
  await cnn.fit(jointPositionLabels(train, TASKS));
  const accuracy = await evaluateClassifier(cnn, jointPositionLabels(validation, TASKS));
  return { cnn, accuracy, seconds: (performance.now() - t0) / 1000 };
}

async function trainDqn(variant: Variant, seed: number, cnn: CnnClassifier): Promise<RunFigures> {
  const run = await createRun({
    algo: 'dqn',
    preset: 'catch',
    env: 'Catch-v0',
    envKwargs: { obsType: 'rgb', ...FRAME },
    backend: 'wasm',
    seed,
    totalSteps: BUDGET,
    evalEvery: 250,
    evalEpisodes: 20,
    checkpointEvery: 1_000_000,
    stopAtReturn: TARGET,
    config: {
      network: smallCnnSpecOf(cnn.config),
      preprocess: { grayscale: false, resize: null, frameSkip: 1, frameStack: 1, clipReward: false },
      maxGradNorm: 0,
    },
  });
  const agent = run.agent as DqnAgent;
  if (variant !== 'scratch') {
    // Online and target nets alike, so their weight lists stay in the same order.
    transferEncoder(cnn.trunk, agent.online, { freeze: variant });
    transferEncoder(cnn.trunk, agent.target, { freeze: variant });
  }
  const result = await run.start();
  agent.dispose();
  return { seed, stepsToTarget: result.solvedAtStep, bestMeanReturn: result.bestMeanReturn, wallSeconds: result.wallSeconds };
}

async function supervised(): Promise<void> {
  const ds = collectFrames(make('MinAtar/Breakout-v1'), 'random', 1000, { seed: 1, width: 21, height: 21 });
  const { train, validation } = ds.split(0.8, 2, { byEpisode: true });
  const task = { kind: 'ball', axis: 'x', buckets: 5 } as const;
  const tr = positionLabels(train, task);
  const va = positionLabels(validation, task);
  const models: [string, () => Classifier][] = [
    ['knn k=1 L2', () => new KnnClassifier({ k: 1 })],
    ['knn k=5 L1', () => new KnnClassifier({ k: 5, distance: 'l1' })],
    ['linear softmax (SGD 0.05, 20 epochs)', () => new LinearClassifier({ loss: 'softmax', learningRate: 0.05, epochs: 20, seed: 1 })],
    ['linear SVM (SGD 0.01, 20 epochs)', () => new LinearClassifier({ loss: 'svm', learningRate: 0.01, epochs: 20, seed: 1 })],
    ['cnn (8 and 16 3×3 convs, 64 features, Adam 1e-3, 10 epochs)', () => new CnnClassifier({ epochs: 10, seed: 3 })],
  ];
  const classifiers: Record<string, unknown> = {};
  for (const [name, makeModel] of models) {
    const m = makeModel();
    const t0 = performance.now();
    await m.fit(tr);
    const t1 = performance.now();
    const accuracy = await evaluateClassifier(m, va);
    const t2 = performance.now();
    m.dispose();
    classifiers[name] = { validationAccuracy: accuracy, fitSeconds: (t1 - t0) / 1000, predictSeconds: (t2 - t1) / 1000 };
    console.log(`${name}: ${accuracy.toFixed(3)} (fit ${((t1 - t0) / 1000).toFixed(1)} s)`);
  }
  const cv: Record<string, unknown> = {};
  for (const distance of ['l1', 'l2'] as const) {
    for (const k of [1, 3, 5, 10]) {
      const r = await crossValidate(() => new KnnClassifier({ k, distance }), tr, 5, 4);
      cv[`${distance} k=${k}`] = { mean: r.mean, std: r.std };
    }
  }
  writeResults('vision.json', 'supervised', {
    task: "MinAtar/Breakout-v1 ball column (5 buckets), 21×21 RGB, random play, held-out episodes",
    trainImages: tr.labels.length,
    validationImages: va.labels.length,
    classifiers,
    knnCrossValidation5Fold: cv,
  });
}

export async function main(): Promise<void> {
  await selectBackend('wasm');
  await supervised();
  const pre = await pretrain();
  console.log(`pretrained trunk: joint ball×paddle column accuracy ${pre.accuracy.toFixed(3)} in ${pre.seconds.toFixed(1)} s`);
  const variants: Record<string, unknown> = {};
  for (const variant of VARIANTS) {
    const runs: RunFigures[] = [];
    for (const seed of SEEDS) {
      const r = await trainDqn(variant, seed, pre.cnn);
      console.log(`${VARIANT_NAMES[variant]} seed ${seed}: ${r.stepsToTarget ?? `not within ${BUDGET}`} steps to mean ≥ ${TARGET} (best ${r.bestMeanReturn?.toFixed(2)}), ${r.wallSeconds.toFixed(0)} s`);
      runs.push(r);
    }
    const reached = runs.filter((r) => r.stepsToTarget !== null).map((r) => r.stepsToTarget!);
    variants[VARIANT_NAMES[variant]] = {
      runs,
      reached: `${reached.length}/${runs.length}`,
      // Runs that missed the target count as the budget, so the median never flatters.
      medianStepsToTarget: median(runs.map((r) => r.stepsToTarget ?? BUDGET)),
      medianWallSeconds: median(runs.map((r) => r.wallSeconds)),
    };
  }
  pre.cnn.dispose();
  const path = writeResults('vision.json', 'transfer', {
    env: 'Catch-v0 (10×20 RGB)',
    target: `evaluation mean return ≥ ${TARGET} over 20 greedy episodes, checked every 250 env steps`,
    budgetSteps: BUDGET,
    pretraining: { frames: PRETRAIN_FRAMES, task: 'ball and paddle columns, 25 joint classes', validationAccuracy: pre.accuracy, seconds: pre.seconds },
    variants,
  });
  console.log(`wrote ${path}`);
}
