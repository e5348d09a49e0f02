// The vision wrappers with trained models on Catch: object lists, class masks and potential-based reward
// shaping, each driving an agent from agents/ (DQN, A2C, REINFORCE) through the training loop.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../agents/train.js';
import type { Env } from '../../envs/core.js';
import '../../envs/index.js';
import { make } from '../../envs/registry.js';
import { rasterizeLabels } from '../../envs/render/rasterize.js';
import { Rng } from '../../envs/rng.js';
import type { Scene } from '../../envs/render/scene.js';
import type { Space } from '../../envs/spaces/space.js';
import { selectBackend } from '../../nets/backend.js';
import { collectFrames, sceneBoxes } from '../../nets/vision/data/index.js';
import { TwoStageDetector, detectionSamples, iou, toLabeledBoxes } from '../../nets/vision/detection/index.js';
import { Segmenter, meanIoU } from '../../nets/vision/segmentation/index.js';
import { DetectionRewardShaping, MaskObservation, ObjectObservation, horizontalAlignmentPotential } from '../../nets/vision/wrappers/index.js';

const SIZE = 40;
const KINDS = ['ball', 'paddle'];
const BALL = 0;
const PADDLE = 1;
const LEFT = 0;
const STAY = 1;
const RIGHT = 2;

let detector: TwoStageDetector;
let segmenter: Segmenter;

function catchEnv(): Env<Uint8Array, number> {
  return make<Uint8Array, number>('Catch-v0', { obsType: 'rgb', width: SIZE, height: SIZE });
}

/** Runs `fn` once, then checks more runs leave the tensor count where it was. */
function expectNoLeak(fn: () => void, reps = 3): void {
  fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < reps; i++) fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** The env's true objects now, in the detectors' terms. */
function trueObjects(env: { scene?(): Scene }) {
  const scene = env.scene!();
  return toLabeledBoxes(sceneBoxes(scene, SIZE, SIZE, KINDS, rasterizeLabels(scene, SIZE, SIZE, KINDS), 'shape'));
}

beforeAll(async () => {
  await selectBackend('wasm');
  // Models trained here, briefly, on Catch frames (the detection and segmentation suites measure them properly).
  const env = catchEnv();
  const data = collectFrames(env, 'random', 400, { seed: 21, width: SIZE, height: SIZE, kinds: KINDS });
  env.close();
  const { frames, objects } = detectionSamples(data);
  const masks = Array.from({ length: data.size }, (_, i) => data.mask(i));
  detector = new TwoStageDetector({ numClasses: 2, classNames: KINDS, inputShape: [SIZE, SIZE, 3], seed: 2 });
  segmenter = new Segmenter({ numClasses: 3, classNames: ['background', ...KINDS], inputShape: [SIZE, SIZE, 3], classWeights: [0.2, 1, 1], seed: 2 });
  const rng = new Rng(8);
  for (let step = 0; step < 70; step++) {
    detector.setLearningRate(2e-3 * (1 - (0.9 * step) / 70));
    const idx = Array.from({ length: 8 }, () => rng.int(data.size));
    detector.trainStep(
      idx.map((i) => frames[i]!),
      idx.map((i) => objects[i]!),
    );
    if (step < 40) {
      segmenter.setLearningRate(5e-3 * (1 - (0.9 * step) / 40));
      segmenter.trainStep(
        idx.map((i) => frames[i]!),
        idx.map((i) => masks[i]!),
      );
    }
  }
}, 300_000);

/** Moves the paddle towards the ball using only an ObjectObservation row layout (class order). */
function chaseBall(obs: Float32Array, numClasses: number): number {
  const row = numClasses + 5;
  let ball = -1;
  let paddle = -1;
  for (let r = 0; r < obs.length / row; r++) {
    const centre = (obs[r * row + numClasses]! + obs[r * row + numClasses + 2]!) / 2;
    if (obs[r * row + BALL] === 1 && ball < 0) ball = centre;
    if (obs[r * row + PADDLE] === 1 && paddle < 0) paddle = centre;
  }
  if (ball < 0 || paddle < 0) return STAY;
  // Cells are a fifth of the frame wide: within half a cell counts as under the ball.
  return Math.abs(ball - paddle) < 0.1 ? STAY : ball < paddle ? LEFT : RIGHT;
}

function episodeReturns(env: Env<Float32Array, number>, policy: (obs: Float32Array) => number, episodes: number, seed: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(e === 0 ? { seed } : undefined).observation;
    let ret = 0;
    for (;;) {
      const r = env.step(policy(obs));
      ret += r.reward;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    out.push(ret);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('ObjectObservation', () => {
  it('turns frames into a padded list of the objects that are there, enough to play Catch', () => {
    const env = new ObjectObservation(catchEnv(), detector, { maxObjects: 4 });
    expect(env.observationSpace.shape).toEqual([4, 2 + 5]);
    expect(env.observationSpace.dtype).toBe('float32');
    const rng = new Rng(1);
    let obs = env.reset({ seed: 1 }).observation;
    let matched = 0;
    let total = 0;
    for (let t = 0; t < 40; t++) {
      expect(env.observationSpace.contains(obs)).toBe(true);
      // Every true object is a row of its class whose box overlaps it (IoU ≥ 0.5); the rest are zero.
      const rows = Array.from({ length: 4 }, (_, r) => Array.from(obs.subarray(r * 7, r * 7 + 7)));
      for (const o of trueObjects(env)) {
        total++;
        const hit = rows.some((row) => row[o.classId] === 1 && iou({ x0: row[2]! * SIZE, y0: row[3]! * SIZE, x1: row[4]! * SIZE, y1: row[5]! * SIZE }, o.box) >= 0.5);
        if (hit) matched++;
      }
      rows.slice(env.lastObjects.length).forEach((row) => expect(row.every((v) => v === 0)).toBe(true));
      // Class order: ball rows before paddle rows.
      const classes = env.lastObjects.map((d) => d.classId);
      expect(classes).toEqual([...classes].sort());
      const r = env.step(rng.int(3));
      obs = r.observation;
      if (r.terminated) obs = env.reset().observation;
    }
    expect(matched / total).toBeGreaterThanOrEqual(0.9);
    // The rows carry the state: a policy reading only them catches the ball; a random one rarely does.
    const chase = mean(episodeReturns(env, (o) => chaseBall(o, 2), 20, 50));
    const random = mean(episodeReturns(env, () => rng.int(3), 20, 50));
    console.log(`ObjectObservation: ${matched}/${total} true objects found; chasing the ball by the rows returns ${chase.toFixed(2)}, random ${random.toFixed(2)}`);
    expect(chase).toBeGreaterThanOrEqual(0.8);
    expect(random).toBeLessThan(0.2);
    expectNoLeak(() => {
      env.reset();
      env.step(STAY);
    });
  });

  it('rejects envs and options it cannot serve, clearly', () => {
    expect(() => new ObjectObservation(make<Uint8Array, number>('Catch-v0', { obsType: 'rgb' }), detector)).toThrow(/input shape \[40, 40, 3\]/);
    expect(() => new ObjectObservation(catchEnv(), detector, { maxObjects: 0 })).toThrow(/maxObjects/);
    expect(() => new ObjectObservation(catchEnv(), detector, { minScore: 2 })).toThrow(/minScore/);
    const env = new ObjectObservation(catchEnv(), detector);
    expect(() => env.observation(new Uint8Array(5))).toThrow(/4800 values/);
  });

  it('feeds DQN through the training loop: observations stay in the space, no tensors leak', async () => {
    const env = new ObjectObservation(catchEnv(), detector, { maxObjects: 3 });
    const space = env.observationSpace as Space<unknown>;
    let outside = 0;
    let seen = 0;
    const before = tf.memory().numTensors;
    const r = await train({
      algo: 'dqn',
      env,
      config: {
        network: { type: 'mlp', hiddenSizes: [32], activation: 'relu' },
        learningStarts: 64,
        batchSize: 32,
        trainFrequency: 2,
        bufferSize: 1000,
        explorationSteps: 300,
        targetUpdateInterval: 100,
        optimizer: { type: 'adam', learningRate: 1e-3 },
      },
      totalSteps: 300,
      evalEvery: 0,
      checkpointEvery: 0,
      seed: 0,
      backend: 'wasm',
      watch: (run) => {
        run.steps$.subscribe((s) => {
          for (const o of [...s.observations, ...s.nextObservations]) {
            seen++;
            if (!space.contains(o)) outside++;
          }
        });
      },
    });
    expect(r.steps).toBe(300);
    expect(r.episodes).toBeGreaterThanOrEqual(30);
    expect(seen).toBe(600);
    expect(outside).toBe(0);
    // The agent acts on wrapped observations.
    const action = r.agent.act(env.reset({ seed: 3 }).observation, { explore: false });
    expect([LEFT, STAY, RIGHT]).toContain(action);
    r.agent.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MaskObservation', () => {
  it('appends class masks that match the true labels, or replaces the frame with them', () => {
    const appended = new MaskObservation(catchEnv(), segmenter);
    expect(appended.observationSpace.shape).toEqual([SIZE, SIZE, 3 + 2]);
    const replaced = new MaskObservation(catchEnv(), segmenter, { mode: 'replace', includeBackground: true });
    expect(replaced.observationSpace.shape).toEqual([SIZE, SIZE, 3]);
    const rng = new Rng(2);
    const inner = catchEnv();
    let frame = inner.reset({ seed: 4 }).observation;
    const predicted: number[] = [];
    const truth: number[] = [];
    for (let t = 0; t < 20; t++) {
      const a = appended.observation(frame);
      expect(appended.observationSpace.contains(a)).toBe(true);
      const labels = rasterizeLabels(inner.scene!(), SIZE, SIZE, KINDS);
      const m = replaced.observation(frame);
      let bad = 0;
      for (let p = 0; p < SIZE * SIZE; p++) {
        const ball = a[p * 5 + 3]!;
        const paddle = a[p * 5 + 4]!;
        // Frame channels untouched; mask channels 0 or 255, at most one set.
        for (let ch = 0; ch < 3; ch++) if (a[p * 5 + ch] !== frame[p * 3 + ch]) bad++;
        if ((ball !== 0 && ball !== 255) || (paddle !== 0 && paddle !== 255) || ball + paddle > 255) bad++;
        // Replace mode (background included): exactly one channel per pixel, agreeing with append mode.
        if (m[p * 3]! + m[p * 3 + 1]! + m[p * 3 + 2]! !== 255 || m[p * 3 + 1] !== ball || m[p * 3 + 2] !== paddle) bad++;
        predicted.push(ball ? 1 : paddle ? 2 : 0);
        truth.push(labels[p]!);
      }
      expect(bad).toBe(0);
      const r = inner.step(rng.int(3));
      frame = r.terminated ? inner.reset().observation : r.observation;
    }
    const score = meanIoU(predicted, truth, 3);
    console.log(`MaskObservation: mean IoU of the masks ${score.meanIoU.toFixed(3)} (${score.perClass.map((v) => v?.toFixed(3)).join(' / ')})`);
    expect(score.meanIoU).toBeGreaterThanOrEqual(0.9);
    expect(() => new MaskObservation(catchEnv(), segmenter, { mode: 'both' as 'append' })).toThrow(/mode/);
    expect(() => new MaskObservation(make<Uint8Array, number>('Catch-v0', { obsType: 'grid' }), segmenter)).toThrow(/uint8 frames/);
    expectNoLeak(() => appended.observation(frame));
  });

  it('feeds A2C (two envs, masks only) through the training loop within its space', async () => {
    let outside = 0;
    let seen = 0;
    let space: Space<unknown> | null = null;
    const before = tf.memory().numTensors;
    const r = await train({
      algo: 'a2c',
      env: () => {
        const env = new MaskObservation(catchEnv(), segmenter, { mode: 'replace' });
        space = env.observationSpace as Space<unknown>;
        return env;
      },
      config: {
        numEnvs: 2,
        nSteps: 5,
        network: { type: 'smallCnn', filters: [8], kernelSizes: [4], strides: [4], hidden: 32 },
        optimizer: { type: 'adam', learningRate: 1e-3 },
      },
      totalSteps: 300,
      evalEvery: 0,
      checkpointEvery: 0,
      seed: 1,
      backend: 'wasm',
      watch: (run) => {
        run.steps$.subscribe((s) => {
          for (const o of s.nextObservations) {
            seen++;
            if (!space!.contains(o)) outside++;
          }
        });
      },
    });
    expect(r.steps).toBe(300);
    expect(seen).toBe(300);
    expect(outside).toBe(0);
    expect((space as Space<unknown> | null)?.shape).toEqual([SIZE, SIZE, 2]);
    r.agent.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('DetectionRewardShaping', () => {
  const gamma = 0.9;
  const potential = horizontalAlignmentPotential(BALL, PADDLE, 1);

  it('adds γΦ(s′) − Φ(s), so discounted returns change only by −Φ(s₀) (policy invariance)', () => {
    const env = new DetectionRewardShaping(catchEnv(), detector, potential, { gamma });
    expect(() => env.step(STAY)).toThrow(/before reset/);
    const rng = new Rng(6);
    let checked = 0;
    for (let e = 0; e < 6; e++) {
      const start = env.reset({ seed: 100 + e });
      const phi0 = env.potentialOf(start.observation);
      expect(env.lastPotential).toBe(phi0);
      let prev = phi0;
      let shaped = 0;
      let original = 0;
      let discount = 1;
      for (;;) {
        const r = env.step(rng.int(3));
        const next = r.terminated ? 0 : env.potentialOf(r.observation);
        expect(r.info['shaping']).toBeCloseTo(gamma * next - prev, 12);
        expect(r.reward).toBeCloseTo((r.info['envReward'] as number) + gamma * next - prev, 12);
        shaped += discount * r.reward;
        original += discount * (r.info['envReward'] as number);
        discount *= gamma;
        prev = next;
        checked++;
        if (r.terminated) break;
      }
      expect(shaped).toBeCloseTo(original - phi0, 9);
    }
    expect(checked).toBe(6 * 9);
  });

  it('pays for moving the paddle under the ball (as seen by the detector)', () => {
    const env = new DetectionRewardShaping(catchEnv(), detector, potential, { gamma: 1 });
    // The ball falls from the top row while the paddle starts mid-bottom: a first step towards the
    // ball's column earns positive shaping, a step away negative.
    let towards = 0;
    let away = 0;
    for (let seed = 0; seed < 12; seed++) {
      env.reset({ seed });
      const ball = trueObjects(env).find((o) => o.classId === BALL)!.box;
      const cx = (ball.x0 + ball.x1) / 2;
      if (cx === SIZE / 2) continue;
      const toward = cx < SIZE / 2 ? LEFT : RIGHT;
      towards += env.step(toward).info['shaping'] as number;
      env.reset({ seed });
      away += env.step(toward === LEFT ? RIGHT : LEFT).info['shaping'] as number;
    }
    expect(towards).toBeGreaterThan(0);
    expect(away).toBeLessThan(0);
    expect(() => new DetectionRewardShaping(catchEnv(), detector, potential, { gamma: 2 })).toThrow(/gamma/);
    expect(() => horizontalAlignmentPotential(0, 1, -1)).toThrow(/scale/);
  });

  it('feeds REINFORCE (over object observations) through the training loop', async () => {
    const env = new ObjectObservation(new DetectionRewardShaping(catchEnv(), detector, potential, { gamma: 0.99 }), detector, { maxObjects: 2 });
    const before = tf.memory().numTensors;
    let shapingSeen = 0;
    const r = await train({
      algo: 'reinforce',
      env,
      config: { network: { type: 'mlp', hiddenSizes: [16], activation: 'tanh' }, valueNetwork: { type: 'mlp', hiddenSizes: [16], activation: 'tanh' } },
      totalSteps: 300,
      evalEvery: 0,
      checkpointEvery: 0,
      seed: 2,
      backend: 'wasm',
      watch: (run) => {
        run.steps$.subscribe((s) => {
          // Rewards other than the env's ±1 / 0 come from the shaping term.
          for (const rew of s.rewards) if (rew !== 0 && rew !== 1 && rew !== -1) shapingSeen++;
        });
      },
    });
    expect(r.steps).toBe(300);
    expect(shapingSeen).toBeGreaterThan(50);
    r.agent.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
  });
});
