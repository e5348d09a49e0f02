// Supervised learning on frames: losses, kNN, linear and CNN classifiers, cross-validation, random
// search and the sweep command.
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CatchEnv, Rng, make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';
import { collectFrames, type FrameDataset } from '../../nets/vision/data/index.js';
import { l1Distances } from '../../nets/vision/supervised/knn.js';
import {
  CnnClassifier,
  KnnClassifier,
  LinearClassifier,
  checkSearchSpace,
  crossValidate,
  defaultPositionTask,
  evaluateClassifier,
  groupedFoldIndices,
  jointPositionLabels,
  kFoldIndices,
  majorityVote,
  pairwiseDistances,
  parsePositionTask,
  positionLabels,
  randomSearch,
  runSweep,
  sampleParams,
  softmaxLoss,
  svmLoss,
  type LabeledImages,
} from '../../nets/vision/supervised/index.js';
import { register as registerSweep } from '../../play/commands/sweep.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

function randomMatrix(rng: Rng, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
}

/** Runs `f` and checks it left no tensor behind. */
async function noLeak<T>(f: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await f();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('losses', () => {
  const rng = new Rng(1);
  const s = randomMatrix(rng, 7, 4);
  const y = s.map(() => rng.int(4));
  const scores = tf.tensor2d(s);
  const labels = tf.tensor1d(y, 'int32');

  it('softmax loss is the mean of −log p(y), its gradient (p − onehot)/N', () => {
    let expected = 0;
    const grad: number[][] = [];
    s.forEach((row, i) => {
      const z = row.reduce((a, v) => a + Math.exp(v), 0);
      expected += -Math.log(Math.exp(row[y[i]!]!) / z) / s.length;
      grad.push(row.map((v, j) => (Math.exp(v) / z - (j === y[i] ? 1 : 0)) / s.length));
    });
    expect(softmaxLoss(scores, labels).dataSync()[0]).toBeCloseTo(expected, 5);
    const g = tf.grad((x: tf.Tensor) => softmaxLoss(x as tf.Tensor2D, labels))(scores).arraySync() as number[][];
    g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(grad[i]![j]!, 5)));
  });

  it('SVM loss sums max(0, s_j − s_y + Δ) over j ≠ y; gradient −(violations) on s_y, +1 on violators', () => {
    for (const margin of [1, 0.3]) {
      let expected = 0;
      const grad: number[][] = [];
      s.forEach((row, i) => {
        const sy = row[y[i]!]!;
        const g = row.map(() => 0);
        row.forEach((v, j) => {
          if (j === y[i]) return;
          const m = v - sy + margin;
          if (m > 0) {
            expected += m / s.length;
            g[j]! += 1 / s.length;
            g[y[i]!]! -= 1 / s.length;
          }
        });
        grad.push(g);
      });
      expect(svmLoss(scores, labels, margin).dataSync()[0]).toBeCloseTo(expected, 5);
      const g = tf.grad((x: tf.Tensor) => svmLoss(x as tf.Tensor2D, labels, margin))(scores).arraySync() as number[][];
      g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(grad[i]![j]!, 5)));
    }
  });
});

describe('kNN', () => {
  it('distances match plain loops (L2 through tfjs, L1 in typed arrays)', () => {
    const rng = new Rng(2);
    const a = randomMatrix(rng, 5, 9);
    const b = randomMatrix(rng, 8, 9);
    const l2 = pairwiseDistances(tf.tensor2d(a), tf.tensor2d(b), 'l2').arraySync();
    const l1 = l1Distances(Float32Array.from(a.flat()), Float32Array.from(b.flat()), 9);
    a.forEach((ra, i) =>
      b.forEach((rb, j) => {
        expect(l2[i]![j]).toBeCloseTo(Math.sqrt(ra.reduce((s, v, t) => s + (v - rb[t]!) ** 2, 0)), 3);
        expect(l1[i * 8 + j]).toBeCloseTo(ra.reduce((s, v, t) => s + Math.abs(v - rb[t]!), 0), 4);
      }),
    );
  });

  it('votes by majority, ties to the class with the nearest member', () => {
    expect(majorityVote([2, 1, 1], 3)).toBe(1);
    expect(majorityVote([2, 1], 3)).toBe(2);
    expect(majorityVote([0, 1, 1, 0], 2)).toBe(0);
    expect(majorityVote([1, 0, 0, 1, 1], 2)).toBe(1);
  });

  it('k and the distance change the answer where they should', async () => {
    // One-pixel images on a line: an outlier of class 1 sits next to the query among class 0.
    const line: LabeledImages = { images: Float32Array.from([0, 0.1, 0.2, 0.25, 0.9, 1]), shape: [1, 1, 1], labels: Int32Array.from([0, 0, 0, 1, 1, 1]), numClasses: 2 };
    const q = Float32Array.from([0.26]);
    const k1 = new KnnClassifier({ k: 1 });
    const k3 = new KnnClassifier({ k: 3 });
    await k1.fit(line);
    await k3.fit(line);
    expect(Array.from(await k1.predict(q, [1, 1, 1]))).toEqual([1]);
    expect(Array.from(await k3.predict(q, [1, 1, 1]))).toEqual([0]);
    // Two-pixel images: A = (0.6, 0.6) is nearer in L2 (0.85 < 1), B = (1, 0) in L1 (1 < 1.2).
    const plane: LabeledImages = { images: Float32Array.from([0.6, 0.6, 1, 0]), shape: [1, 2, 1], labels: Int32Array.from([0, 1]), numClasses: 2 };
    const l1 = new KnnClassifier({ distance: 'l1' });
    const l2 = new KnnClassifier({ distance: 'l2' });
    await l1.fit(plane);
    await l2.fit(plane);
    expect(Array.from(await l1.predict(Float32Array.from([0, 0]), [1, 2, 1]))).toEqual([1]);
    expect(Array.from(await l2.predict(Float32Array.from([0, 0]), [1, 2, 1]))).toEqual([0]);
    for (const m of [k1, k3, l1, l2]) m.dispose();
    expect(() => new KnnClassifier({ k: 0 })).toThrow(/k must/);
    await expect(new KnnClassifier({ k: 7 }).fit(line)).rejects.toThrow(/exceeds/);
    await expect(new KnnClassifier().predict(q, [1, 1, 1])).rejects.toThrow(/fit first/);
  });
});

describe('position tasks', () => {
  it("labels Catch frames with the ball's column from the env state", () => {
    const env = make<Uint8Array, number>('Catch-v0');
    const raw = env.unwrapped as CatchEnv;
    const columns: number[] = [];
    const paddles: number[] = [];
    const ds = collectFrames(env, () => (columns.push(raw.ballX), paddles.push(raw.paddleX), columns.length % 3), 40, { seed: 5, width: 21, height: 21 });
    expect(defaultPositionTask(ds)).toEqual({ kind: 'ball', axis: 'x', buckets: 5 });
    const data = positionLabels(ds, parsePositionTask('ball:x:5'));
    expect(data.labels.length).toBe(40); // the ball is always visible
    const acted = Array.from({ length: 40 }, (_, i) => i).filter((i) => ds.actions[i]! >= 0);
    acted.forEach((i, j) => expect(data.labels[i]).toBe(columns[j]));
    expect(data.shape).toEqual([21, 21, 3]);
    expect(data.images[5]).toBeCloseTo(ds.frames[5]! / 255, 6);
    // Ball and paddle columns as one class: ball·5 + paddle, over frames showing both.
    const paddle = { kind: 'paddle', axis: 'x', buckets: 5 } as const;
    const joint = jointPositionLabels(ds, [parsePositionTask('ball:x:5'), paddle]);
    expect(joint.numClasses).toBe(25);
    const both = Array.from({ length: 40 }, (_, i) => i).filter((i) => ds.isPresent(i, 'paddle'));
    const jointOf = new Map(both.map((i, j) => [i, joint.labels[j]!]));
    acted.forEach((i, j) => expect(jointOf.get(i)).toBe(columns[j]! * 5 + paddles[j]!)); // acted frames always show both
    expect(() => parsePositionTask('ball:z:5')).toThrow(/kind:x\|y:buckets/);
    expect(() => positionLabels(ds, { kind: 'brick', axis: 'x', buckets: 5 })).toThrow(/unknown kind/);
  });
});

describe('classifiers on Breakout frames (ball column, held-out episodes)', () => {
  const task = { kind: 'ball', axis: 'x', buckets: 5 } as const;
  let train: LabeledImages;
  let validation: LabeledImages;
  beforeAll(() => {
    const ds = collectFrames(make('MinAtar/Breakout-v1'), 'random', 1000, { seed: 1, width: 21, height: 21 });
    const split = ds.split(0.8, 2, { byEpisode: true });
    train = positionLabels(split.train, task);
    validation = positionLabels(split.validation, task);
  });

  it('the CNN reaches ≥ 95% validation accuracy and frees its tensors', async () => {
    const cnn = new CnnClassifier({ epochs: 10, seed: 3 });
    const before = tf.memory().numTensors;
    const fit = await cnn.fit(train);
    expect(fit.losses.at(-1)!).toBeLessThan(fit.losses[0]! / 5);
    const acc = await evaluateClassifier(cnn, validation);
    console.log(`Breakout ball column, CNN: validation accuracy ${acc.toFixed(3)} (${validation.labels.length} frames)`);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    const afterFit = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) await cnn.predict(validation.images, validation.shape);
    expect(tf.memory().numTensors).toBe(afterFit);
    const features = tf.tidy(() => cnn.trunk.predict(tf.tensor4d(validation.images.subarray(0, 2 * 21 * 21 * 3), [2, 21, 21, 3])) as tf.Tensor);
    expect(features.shape).toEqual([2, 64]);
    features.dispose();
    cnn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('kNN and linear classifiers learn it too (reported, with a floor well above chance 0.2)', async () => {
    const models = [
      new KnnClassifier({ k: 1 }),
      new LinearClassifier({ loss: 'softmax', learningRate: 0.05, epochs: 20, seed: 1 }),
      new LinearClassifier({ loss: 'svm', learningRate: 0.01, epochs: 20, seed: 1 }),
    ];
    for (const m of models) {
      await noLeak(async () => {
        const fit = await m.fit(train);
        if (fit.losses.length) expect(fit.losses.at(-1)!).toBeLessThan(fit.losses[0]!);
        const acc = await evaluateClassifier(m, validation);
        console.log(`Breakout ball column, ${m.name}: validation accuracy ${acc.toFixed(3)}`);
        expect(acc).toBeGreaterThan(0.8);
        m.dispose();
      });
    }
  });

  it('rejects bad labels and mismatched images without training', async () => {
    const lin = new LinearClassifier({ loss: 'softmax' });
    await expect(lin.fit({ ...train, labels: train.labels.map((v) => v + 5) })).rejects.toThrow(/outside/);
    await expect(lin.predict(validation.images, validation.shape)).rejects.toThrow(/fit first/);
    await expect(new CnnClassifier().fit({ ...train, images: train.images.subarray(1) })).rejects.toThrow(/whole images/);
    expect(() => new CnnClassifier({ convs: [{ filters: 4, kernelSize: 30 }] }).build([21, 21, 3], 5)).toThrow(/too small/);
    expect(() => new LinearClassifier({ loss: 'hinge' as 'svm' })).toThrow(/loss/);
    expect(() => new LinearClassifier({ loss: 'svm', learningRate: -1 })).toThrow(/learningRate/);
  });
});

describe('cross-validation', () => {
  let data: LabeledImages;
  let ds: FrameDataset;
  beforeAll(() => {
    ds = collectFrames(make('Catch-v0'), 'random', 300, { seed: 9, width: 21, height: 21 });
    data = positionLabels(ds, { kind: 'ball', axis: 'x', buckets: 5 });
  });

  it('k folds partition the data, sizes within one, reproducibly', () => {
    const folds = kFoldIndices(23, 5, 1);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    const sizes = folds.map((f) => f.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(kFoldIndices(23, 5, 1)).toEqual(folds);
    expect(kFoldIndices(23, 5, 2)).not.toEqual(folds);
    expect(() => kFoldIndices(3, 5, 1)).toThrow(/folds/);
  });

  it('grouped folds keep each episode whole', () => {
    const groups = Int32Array.from([0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 5, 5]);
    const folds = groupedFoldIndices(groups, 3, 2);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    for (const f of folds) {
      expect(f.length).toBeGreaterThan(0);
      const inFold = new Set(f.map((i) => groups[i]));
      folds.filter((g) => g !== f).forEach((g) => g.forEach((i) => expect(inFold.has(groups[i]!)).toBe(false)));
    }
    expect(() => groupedFoldIndices(Int32Array.from([0, 0, 1]), 3, 1)).toThrow(/2 groups/);
  });

  it('scores real labels far above shuffled ones, disposing every fold model', async () => {
    let made = 0;
    const real = await noLeak(() => crossValidate(() => (made++, new KnnClassifier({ k: 1 })), data, 5, 3));
    expect(real.grouped).toBe(true); // frames carry their episodes
    expect((await crossValidate(() => new KnnClassifier({ k: 1 }), data, 5, 3, { grouped: false })).grouped).toBe(false);
    const oneEpisode = { ...data, groups: new Int32Array(data.labels.length) };
    await expect(crossValidate(() => new KnnClassifier(), oneEpisode, 5, 3, { grouped: true })).rejects.toThrow(/at least 5 groups/);
    expect(made).toBe(5);
    expect(real.folds.length).toBe(5);
    expect(real.mean).toBeCloseTo(real.folds.reduce((a, b) => a + b, 0) / 5, 10);
    const rng = new Rng(4);
    const shuffled = { ...data, labels: Int32Array.from(rng.shuffle(Array.from(data.labels))) };
    const chance = await crossValidate(() => new KnnClassifier({ k: 1 }), shuffled, 5, 3);
    console.log(`Catch ball column, 5-fold kNN: ${real.mean.toFixed(3)} ± ${real.std.toFixed(3)}; shuffled labels ${chance.mean.toFixed(3)}`);
    expect(real.mean).toBeGreaterThan(0.9);
    expect(chance.mean).toBeLessThan(0.45);
    expect((await crossValidate(() => new KnnClassifier({ k: 1 }), data, 5, 3)).folds).toEqual(real.folds);
  });
});

describe('random search', () => {
  const space = {
    lr: { type: 'logUniform', min: 1e-4, max: 1 },
    u: { type: 'uniform', min: -2, max: 2 },
    k: { type: 'int', min: 1, max: 100, log: true },
    m: { type: 'choice', values: ['a', 'b', 'c'] },
  } as const;

  it('draws in range, log-uniform spread over decades', () => {
    const rng = new Rng(7);
    const draws = Array.from({ length: 2000 }, () => sampleParams(space, rng));
    for (const d of draws) {
      expect(d['lr']).toBeGreaterThanOrEqual(1e-4);
      expect(d['lr']).toBeLessThanOrEqual(1);
      expect(Math.abs(d['u'] as number)).toBeLessThanOrEqual(2);
      expect(Number.isInteger(d['k']) && (d['k'] as number) >= 1 && (d['k'] as number) <= 100).toBe(true);
    }
    // Half the draws fall below the geometric middle 1e-2 (a linear draw would put 1% there).
    const low = draws.filter((d) => (d['lr'] as number) < 1e-2).length / draws.length;
    expect(low).toBeGreaterThan(0.45);
    expect(low).toBeLessThan(0.55);
    const smallK = draws.filter((d) => (d['k'] as number) <= 10).length / draws.length;
    expect(smallK).toBeGreaterThan(0.4);
    expect(new Set(draws.map((d) => d['m']))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('returns the best trial, reproducibly, and rejects bad specs and scores before harm', async () => {
    // A known optimum: the score peaks at lr = 1e-2.
    const objective = (p: Record<string, number | string>) => -Math.abs(Math.log10(p['lr'] as number) + 2);
    const a = await randomSearch(space, 30, 11, objective);
    const b = await randomSearch(space, 30, 11, objective);
    expect(a.trials.map((t) => t.params)).toEqual(b.trials.map((t) => t.params));
    expect(a.best.score).toBe(Math.max(...a.trials.map((t) => t.score)));
    expect(Math.abs(Math.log10(a.best.params['lr'] as number) + 2)).toBeLessThan(0.3);
    let calls = 0;
    await expect(randomSearch({ lr: { type: 'logUniform', min: 0, max: 1 } }, 3, 1, () => ++calls)).rejects.toThrow(/min/);
    expect(calls).toBe(0);
    await expect(randomSearch(space, 3, 1, () => Number.NaN)).rejects.toThrow(/NaN/);
    expect(() => checkSearchSpace({})).toThrow(/at least one/);
  });
});

describe('sweep', () => {
  it('runSweep cross-validates kNN settings on Catch and tests the best on held-out frames', async () => {
    const seen: number[] = [];
    const report = await noLeak(() => runSweep({ env: 'Catch-v0', model: 'knn', trials: 3, folds: 3, frames: 300, seed: 1, onTrial: (t) => seen.push(t.score) }));
    expect(seen).toEqual(report.trials.map((t) => t.score));
    expect(report.task).toBe('ball:x:5');
    expect(report.groupedFolds).toBe(true);
    expect(report.best.validationAccuracy).toBe(Math.max(...seen));
    expect(report.searchImages + report.testImages).toBe(300);
    expect(report.testAccuracy).toBeGreaterThan(0.8);
    await expect(runSweep({ env: 'Catch-v0', model: 'svm' as 'knn', trials: 1, folds: 3, frames: 100 })).rejects.toThrow(/model/);
    await expect(runSweep({ env: 'Catch-v0', model: 'knn', trials: 1, folds: 1, frames: 100 })).rejects.toThrow(/folds/);
  });

  it('`pixelgym sweep --json` prints the best setting and its validation score', async () => {
    const program = new Command().exitOverride();
    registerSweep(program);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      await program.parseAsync(['sweep', '--env', 'Catch-v0', '--model', 'linear-softmax', '--trials', '2', '--folds', '2', '--frames', '150', '--epochs', '3', '--seed', '2', '--json'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(out.join('')) as { best: { params: Record<string, number>; validationAccuracy: number }; trials: { score: number }[]; model: string };
    expect(report.model).toBe('linear-softmax');
    expect(report.trials.length).toBe(2);
    expect(Object.keys(report.best.params).sort()).toEqual(['learningRate', 'regularization']);
    expect(report.best.validationAccuracy).toBe(Math.max(...report.trials.map((t) => t.score)));
    const bad = new Command().exitOverride();
    registerSweep(bad);
    bad.configureOutput({ writeErr: () => {}, outputError: () => {} });
    await expect(bad.parseAsync(['sweep', '--env', 'Catch-v0', '--model', 'tree'], { from: 'user' })).rejects.toThrow(/one of knn/);
  });
});

