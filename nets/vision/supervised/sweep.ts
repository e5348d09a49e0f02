// Hyperparameter sweeps over frame classifiers: frames from an env, a position task, random search
// scored by k-fold cross-validation, and the best setting retrained and scored once on held-out frames.
import '../../../envs/index.js'; // registers the built-in env ids
import { make } from '../../../envs/registry.js';
import { collectFrames } from '../data/collect.js';
import type { FrameDataset } from '../data/frameDataset.js';
import type { Classifier } from './classifier.js';
import { CnnClassifier } from './cnn.js';
import { crossValidate } from './crossValidate.js';
import { KnnClassifier, type Distance } from './knn.js';
import { accuracy, checkLabeled } from './labeled.js';
import { LinearClassifier } from './linear.js';
import { randomSearch, type Params, type SearchSpace, type SearchTrial } from './randomSearch.js';
import { defaultPositionTask, formatPositionTask, parsePositionTask, positionLabels } from './tasks.js';

export const SWEEP_MODELS = ['knn', 'linear-softmax', 'linear-svm', 'cnn'] as const;
export type SweepModel = (typeof SWEEP_MODELS)[number];

/** Training passes per fit in a sweep, per model (sweeps fit many models: keep each fit short). */
const SWEEP_EPOCHS: Record<SweepModel, number> = { knn: 0, 'linear-softmax': 15, 'linear-svm': 15, cnn: 6 };

/** What each model's search draws. */
export function sweepSpace(model: SweepModel): SearchSpace {
  switch (model) {
    case 'knn':
      return { k: { type: 'int', min: 1, max: 15, log: true }, distance: { type: 'choice', values: ['l1', 'l2'] } };
    case 'linear-softmax':
    case 'linear-svm':
      return { learningRate: { type: 'logUniform', min: 1e-3, max: 0.3 }, regularization: { type: 'logUniform', min: 1e-6, max: 1e-1 } };
    case 'cnn':
      return {
        learningRate: { type: 'logUniform', min: 1e-4, max: 1e-2 },
        weightDecay: { type: 'logUniform', min: 1e-6, max: 1e-2 },
        features: { type: 'choice', values: [32, 64] },
      };
    default:
      throw new RangeError(`unknown model '${String(model)}' (expected ${SWEEP_MODELS.join(', ')})`);
  }
}

/** A fresh classifier of `model` with the drawn `params`. */
export function makeSweepClassifier(model: SweepModel, params: Params, seed: number, epochs?: number): Classifier {
  const e = epochs ?? SWEEP_EPOCHS[model];
  switch (model) {
    case 'knn':
      return new KnnClassifier({ k: Number(params['k']), distance: params['distance'] as Distance });
    case 'linear-softmax':
    case 'linear-svm':
      return new LinearClassifier({
        loss: model === 'linear-svm' ? 'svm' : 'softmax',
        learningRate: Number(params['learningRate']),
        regularization: Number(params['regularization']),
        epochs: e,
        seed,
      });
    case 'cnn':
      return new CnnClassifier({ learningRate: Number(params['learningRate']), weightDecay: Number(params['weightDecay']), features: Number(params['features']), epochs: e, seed });
    default:
      throw new RangeError(`unknown model '${String(model)}' (expected ${SWEEP_MODELS.join(', ')})`);
  }
}

export interface SweepOptions {
  /** A registered env id. */
  env: string;
  /** Keyword arguments for `make`. */
  envKwargs?: Record<string, unknown>;
  model: SweepModel;
  trials: number;
  folds: number;
  /** Frames to record (random policy); 20% are held out as the test set. */
  frames: number;
  seed?: number;
  /** 'kind:x|y:buckets'; default: the most often visible kind's x position in 5 buckets. */
  task?: string;
  /** Frame side in pixels. Default 21. */
  size?: number;
  /** Training passes per fit (default: 15 for linear, 6 for the CNN). */
  epochs?: number;
  /** Called after each trial (progress). */
  onTrial?: (t: SearchTrial) => void;
}

export interface SweepReport {
  env: string;
  model: SweepModel;
  task: string;
  frames: number;
  size: number;
  folds: number;
  /** Whether the folds kept episodes whole (they do when the search frames span at least `folds` episodes). */
  groupedFolds: boolean;
  /** Images in the search (cross-validation) set and the held-out test set. */
  searchImages: number;
  testImages: number;
  trials: SearchTrial[];
  best: { params: Params; validationAccuracy: number };
  /** The best setting retrained on the whole search set, scored on the held-out frames. */
  testAccuracy: number;
  seconds: number;
}

function holdOut(ds: FrameDataset, seed: number): { search: FrameDataset; test: FrameDataset } {
  // Whole episodes on each side when the frames span enough of them (neighbouring frames are near copies).
  try {
    const s = ds.split(0.8, seed, { byEpisode: true });
    return { search: s.train, test: s.validation };
  } catch {
    const s = ds.split(0.8, seed);
    return { search: s.train, test: s.validation };
  }
}

function checkOptions(o: SweepOptions): void {
  if (typeof o.env !== 'string' || o.env.length === 0) throw new TypeError('sweep: env must be an env id');
  if (!(SWEEP_MODELS as readonly string[]).includes(o.model)) throw new RangeError(`sweep: model must be one of ${SWEEP_MODELS.join(', ')}, got '${String(o.model)}'`);
  const int = (v: unknown, name: string, min: number, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`sweep: ${name} must be an integer in ${min} … ${max}, got ${String(v)}`);
  };
  int(o.trials, 'trials', 1, 10_000);
  int(o.folds, 'folds', 2, 50);
  int(o.frames, 'frames', 10, 50_000);
  int(o.seed ?? 0, 'seed', -(2 ** 31), 2 ** 31 - 1);
  int(o.size ?? 21, 'size', 4, 256);
  if (o.epochs !== undefined) int(o.epochs, 'epochs', 1, 1000);
  if (o.task !== undefined) parsePositionTask(o.task);
}

/** Records frames, searches `trials` settings by `folds`-fold cross-validation, and tests the best. */
export async function runSweep(options: SweepOptions): Promise<SweepReport> {
  checkOptions(options);
  const t0 = performance.now();
  const seed = options.seed ?? 0;
  const size = options.size ?? 21;
  const env = make(options.env, options.envKwargs ?? {});
  let ds: FrameDataset;
  try {
    ds = collectFrames(env, 'random', options.frames, { seed, width: size, height: size });
  } finally {
    env.close();
  }
  const task = options.task !== undefined ? parsePositionTask(options.task) : defaultPositionTask(ds);
  const { search, test } = holdOut(ds, seed);
  const searchData = positionLabels(search, task);
  const testData = positionLabels(test, task);
  checkLabeled(searchData, 'sweep');
  const result = await randomSearch(
    sweepSpace(options.model),
    options.trials,
    seed,
    async (params, trial) => (await crossValidate(() => makeSweepClassifier(options.model, params, seed + trial, options.epochs), searchData, options.folds, seed)).mean,
    options.onTrial,
  );
  const final = makeSweepClassifier(options.model, result.best.params, seed, options.epochs);
  let testAccuracy: number;
  try {
    await final.fit(searchData);
    testAccuracy = accuracy(await final.predict(testData.images, testData.shape), testData.labels);
  } finally {
    final.dispose();
  }
  return {
    env: options.env,
    model: options.model,
    task: formatPositionTask(task),
    frames: options.frames,
    size,
    folds: options.folds,
    groupedFolds: new Set(searchData.groups).size >= options.folds,
    searchImages: searchData.labels.length,
    testImages: testData.labels.length,
    trials: [...result.trials],
    best: { params: result.best.params, validationAccuracy: result.best.score },
    testAccuracy,
    seconds: (performance.now() - t0) / 1000,
  };
}

function formatValue(v: number | string): string {
  return typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v);
}

/** A few lines for people: the task, the best setting and its scores. */
export function formatSweepReport(r: SweepReport): string {
  const params = Object.entries(r.best.params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  return [
    `${r.env}: ${r.model} on task ${r.task} (${r.size}×${r.size} frames; ${r.searchImages} for search, ${r.testImages} held out)`,
    `trials: ${r.trials.length}, ${r.folds}-fold cross-validation${r.groupedFolds ? ' (whole episodes per fold)' : ''}, ${r.seconds.toFixed(1)} s`,
    `best: ${params}`,
    `validation accuracy: ${r.best.validationAccuracy.toFixed(4)}`,
    `test accuracy: ${r.testAccuracy.toFixed(4)}`,
  ].join('\n');
}
