import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../nets/backend.js';
import {
  FusedAdamOptimizer,
  RMSPropOptimizer,
  applyGradients,
  clipByGlobalNorm,
  getOptimizerState,
  makeOptimizer,
  rmspropDqnNature,
  rmspropMinAtar,
  setLearningRate,
  setOptimizerState,
  type OptimizerConfig,
} from '../../nets/optim.js';
import { MULTI_ADAM_KERNEL, MULTI_ADAM_MAX_PARAMS } from '../../nets/optim/multi_adam.js';
import { values } from './values.js';

/** Odd sizes on purpose: the fused kernel's SIMD loop handles 4 at a time, JS the tail. */
const shapes = [[7, 5], [5], [3, 3, 2, 1], [1]];

interface Problem {
  vars: tf.Variable[];
  loss: () => tf.Scalar;
  dispose: () => void;
}

/** A small least-squares-plus-quartic problem with gradients of varied scale, seeded. */
function problem(seed: number): Problem {
  const vars = shapes.map((s, i) => tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), seed + i), s)));
  const targets = shapes.map((s, i) => tf.tensor(values(s.reduce((a, b) => a * b, 1), seed + 100 + i), s));
  const loss = (): tf.Scalar =>
    tf.tidy(() =>
      tf.addN(vars.map((v, i) => tf.sum(tf.add(tf.square(tf.sub(v, targets[i]!)), tf.mul(0.3, tf.pow(v, 4)))))) as tf.Scalar,
    );
  return { vars, loss, dispose: () => tf.dispose([...vars, ...targets]) };
}

function step(opt: tf.Optimizer, p: Problem, maxGradNorm?: number): number | null {
  const { value, grads } = tf.variableGrads(p.loss, p.vars);
  const { gradNorm } = applyGradients(opt, grads, maxGradNorm === undefined ? {} : { maxGradNorm });
  tf.dispose([value, ...Object.values(grads)]);
  return gradNorm;
}

function read(p: Problem): number[] {
  return p.vars.flatMap((v) => Array.from(v.dataSync()));
}

function maxRelDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!) / Math.max(1e-3, Math.abs(v))), 0);
}

/** Runs `steps` optimizer steps from the same start and returns the final parameters. */
function train(make: () => tf.Optimizer, steps: number, seed = 1): number[] {
  const p = problem(seed);
  const opt = make();
  for (let i = 0; i < steps; i++) step(opt, p);
  const out = read(p);
  opt.dispose();
  p.dispose();
  return out;
}

describe.each(['cpu', 'wasm'] as const)('optimizers on %s', (backend) => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('every config type lowers the loss and leaves no tensors behind', async () => {
    await selectBackend(backend);
    const configs: OptimizerConfig[] = [
      { type: 'sgd', learningRate: 0.05 },
      { type: 'momentum', learningRate: 0.02, momentum: 0.9 },
      { type: 'momentum', learningRate: 0.02, momentum: 0.9, nesterov: true },
      { type: 'adagrad', learningRate: 0.1 },
      { type: 'rmsprop', learningRate: 0.01 },
      { type: 'rmsprop', learningRate: 0.01, centered: true, momentum: 0.5 },
      { ...rmspropDqnNature, learningRate: 0.01 },
      { ...rmspropMinAtar, learningRate: 0.01 },
      { type: 'adam', learningRate: 0.02 },
      { type: 'adam', learningRate: 0.02, fused: false },
    ];
    for (const config of configs) {
      const p = problem(3);
      const opt = makeOptimizer(config);
      const before = p.loss();
      const start = before.dataSync()[0]!;
      before.dispose();
      step(opt, p);
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) step(opt, p);
      expect(tf.memory().numTensors, JSON.stringify(config)).toBe(tensors);
      const after = p.loss();
      const end = after.dataSync()[0]!;
      after.dispose();
      expect(Number.isFinite(end), JSON.stringify(config)).toBe(true);
      expect(end, JSON.stringify(config)).toBeLessThan(start * 0.9);
      opt.dispose();
      p.dispose();
    }
  });

  it('fused Adam follows tf.train.adam step for step', async () => {
    await selectBackend(backend);
    const ours = train(() => makeOptimizer({ type: 'adam', learningRate: 0.01 }), 25);
    const theirs = train(() => tf.train.adam(0.01, 0.9, 0.999, 1e-8), 25);
    expect(maxRelDiff(ours, theirs)).toBeLessThan(1e-5);
    // Not trivially equal to the start.
    expect(maxRelDiff(ours, train(() => tf.train.sgd(0), 1))).toBeGreaterThan(1e-2);
  });

  it('fused Adam updates a small net in one kernel on wasm and cpu', async () => {
    await selectBackend(backend);
    const p = problem(5);
    const opt = makeOptimizer({ type: 'adam', learningRate: 0.01 });
    const { kernels } = await tf.profile(() => {
      step(opt, p);
    });
    const names = kernels.map((k) => k.name);
    expect(names.filter((n) => n === MULTI_ADAM_KERNEL)).toHaveLength(1);
    expect(names).not.toContain('PixelgymAdamUpdate');
    expect(names).not.toContain('Sqrt');
    opt.dispose();
    p.dispose();
  });

  it('fused Adam falls back per variable for big nets and missing gradients, still matching tf.train.adam', async () => {
    await selectBackend(backend);
    const big = tf.variable(tf.tensor(values(MULTI_ADAM_MAX_PARAMS + 3, 41), [MULTI_ADAM_MAX_PARAMS + 3]));
    const small = tf.variable(tf.tensor(values(6, 42), [2, 3]));
    const unused = tf.variable(tf.tensor(values(3, 43), [3]));
    const start = [big, small, unused].map((v) => v.dataSync().slice());
    const loss = (): tf.Scalar => tf.tidy(() => tf.add(tf.sum(tf.square(big)), tf.sum(tf.pow(small, 4))) as tf.Scalar);
    const run = (opt: tf.Optimizer): number[][] => {
      [big, small, unused].forEach((v, i) => v.assign(tf.tensor(start[i]!, v.shape)));
      for (let i = 0; i < 3; i++) {
        const { value, grads } = tf.variableGrads(loss, [big, small]);
        // An entry without a gradient (as tfjs passes for unused variables) keeps the per-variable path.
        const entries = Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
        opt.applyGradients(i === 0 ? [...entries, { name: unused.name, tensor: null as unknown as tf.Tensor }] : entries);
        tf.dispose([value, ...Object.values(grads)]);
      }
      opt.dispose();
      return [big, small, unused].map((v) => Array.from(v.dataSync()));
    };
    const ours = makeOptimizer({ type: 'adam', learningRate: 0.01 });
    const { kernels } = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(loss, [big, small]);
      ours.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(kernels.map((k) => k.name)).not.toContain(MULTI_ADAM_KERNEL);
    ours.dispose();
    const a = run(makeOptimizer({ type: 'adam', learningRate: 0.01 }));
    const b = run(tf.train.adam(0.01, 0.9, 0.999, 1e-8));
    expect(maxRelDiff(a.flat(), b.flat())).toBeLessThan(1e-5);
    expect(a[2]).toEqual(Array.from(start[2]!)); // no gradient, no change
    expect(maxRelDiff(a[1]!, Array.from(start[1]!))).toBeGreaterThan(1e-3);
    tf.dispose([big, small, unused]);
  });

  it('plain RMSProp follows tf.train.rmsprop', async () => {
    await selectBackend(backend);
    const ours = train(() => makeOptimizer({ type: 'rmsprop', learningRate: 0.01, decay: 0.9, momentum: 0.3 }), 20);
    const theirs = train(() => tf.train.rmsprop(0.01, 0.9, 0.3, 1e-7, false), 20);
    expect(maxRelDiff(ours, theirs)).toBeLessThan(1e-5);
  });

  it('centered RMSProp matches a float64 reference, with eps inside or outside the root', async () => {
    await selectBackend(backend);
    for (const outside of [false, true]) {
      const cfg = { decay: 0.95, momentum: 0.2, epsilon: 0.01, centered: true, epsilonOutsideSqrt: outside };
      const ours = train(() => new RMSPropOptimizer(0.05, cfg), 10);
      // Reference: same problem, gradients from tfjs, update rule in float64.
      const p = problem(1);
      const n = read(p).length;
      const ms = new Float64Array(n);
      const mg = new Float64Array(n);
      const mom = new Float64Array(n);
      let w = read(p);
      for (let t = 0; t < 10; t++) {
        const { value, grads } = tf.variableGrads(p.loss, p.vars);
        const g = p.vars.flatMap((v) => Array.from(grads[v.name]!.dataSync()));
        tf.dispose([value, ...Object.values(grads)]);
        w = w.map((wi, i) => {
          ms[i] = 0.95 * ms[i]! + 0.05 * g[i]! ** 2;
          mg[i] = 0.95 * mg[i]! + 0.05 * g[i]!;
          const variance = ms[i]! - mg[i]! ** 2;
          const den = outside ? Math.sqrt(variance) + 0.01 : Math.sqrt(variance + 0.01);
          mom[i] = 0.2 * mom[i]! + (0.05 * g[i]!) / den;
          return wi - mom[i]!;
        });
        let k = 0;
        for (const v of p.vars) {
          const size = v.size;
          v.assign(tf.tensor(w.slice(k, k + size), v.shape));
          k += size;
        }
      }
      p.dispose();
      expect(maxRelDiff(ours, w)).toBeLessThan(1e-4);
    }
  });

  it("tfjs's own centered RMSProp goes NaN at DQN's epsilon, which is why we ship ours", async () => {
    await selectBackend(backend);
    const theirs = train(() => tf.train.rmsprop(0.00025, 0.95, 0, 0.01, true), 2);
    expect(theirs.some((v) => Number.isNaN(v))).toBe(true);
    const ours = train(() => makeOptimizer(rmspropDqnNature), 2);
    expect(ours.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('state saved mid-training resumes exactly, also across tfjs and our classes', async () => {
    await selectBackend(backend);
    const pairs: Array<[string, () => tf.Optimizer, () => tf.Optimizer]> = [
      ['fused adam', () => makeOptimizer({ type: 'adam', learningRate: 0.01 }), () => makeOptimizer({ type: 'adam', learningRate: 0.01 })],
      ['tfjs adam -> fused', () => tf.train.adam(0.01, 0.9, 0.999, 1e-8), () => makeOptimizer({ type: 'adam', learningRate: 0.01 })],
      ['fused -> tfjs adam', () => makeOptimizer({ type: 'adam', learningRate: 0.01 }), () => tf.train.adam(0.01, 0.9, 0.999, 1e-8)],
      ['centered rmsprop', () => makeOptimizer({ ...rmspropDqnNature, learningRate: 0.01 }), () => makeOptimizer({ ...rmspropDqnNature, learningRate: 0.01 })],
      ['momentum', () => makeOptimizer({ type: 'momentum', learningRate: 0.01, momentum: 0.9 }), () => makeOptimizer({ type: 'momentum', learningRate: 0.01, momentum: 0.9 })],
      ['adagrad', () => makeOptimizer({ type: 'adagrad', learningRate: 0.1 }), () => makeOptimizer({ type: 'adagrad', learningRate: 0.1 })],
    ];
    for (const [label, makeA, makeB] of pairs) {
      // Uninterrupted: 7 steps.
      const p = problem(9);
      const a = makeA();
      for (let i = 0; i < 4; i++) step(a, p);
      const weightsAt4 = p.vars.map((v) => v.clone());
      const state = await getOptimizerState(a);
      for (let i = 0; i < 3; i++) step(a, p);
      const straight = read(p);
      // Resumed: restore weights at step 4 and the saved state into a fresh optimizer, 3 more steps.
      p.vars.forEach((v, i) => v.assign(weightsAt4[i]!));
      const b = makeB();
      step(b, p); // b now has slots of its own; loading must replace (and free) them
      p.vars.forEach((v, i) => v.assign(weightsAt4[i]!));
      const tensors = tf.memory().numTensors;
      await setOptimizerState(b, state);
      expect(tf.memory().numTensors, label).toBe(tensors);
      expect(b.iterations, label).toBe(4);
      for (let i = 0; i < 3; i++) step(b, p);
      expect(maxRelDiff(read(p), straight), label).toBeLessThan(1e-5);
      expect(state.weights[0]!.name).toBe('iter');
      expect(state.iterations).toBe(4);
      tf.dispose(weightsAt4);
      a.dispose();
      b.dispose();
      p.dispose();
    }
  });

  it('refuses state from an incompatible optimizer', async () => {
    await selectBackend(backend);
    const p = problem(2);
    const adam = makeOptimizer({ type: 'adam', learningRate: 0.01 });
    step(adam, p);
    const state = await getOptimizerState(adam);
    const rms = makeOptimizer({ type: 'rmsprop', learningRate: 0.01 });
    await expect(setOptimizerState(rms, state)).rejects.toThrow(/cannot load/);
    adam.dispose();
    rms.dispose();
    p.dispose();
  });
});

describe('clipping and helpers', () => {
  it('clipByGlobalNorm scales by maxNorm / norm above the limit and not below', async () => {
    await selectBackend('cpu');
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[0, 4]]);
    const clipped = clipByGlobalNorm({ a, b }, 1);
    expect(clipped.norm).toBeCloseTo(5, 5);
    expect(Array.from(clipped.grads['a']!.dataSync())).toEqual([expect.closeTo(0.6, 5), 0]);
    expect(Array.from(clipped.grads['b']!.dataSync())).toEqual([0, expect.closeTo(0.8, 5)]);
    const loose = clipByGlobalNorm([a, b], 10);
    expect(loose.norm).toBeCloseTo(5, 5);
    expect(Array.from(loose.grads[0]!.dataSync())).toEqual([3, 0]);
    tf.dispose([...Object.values(clipped.grads), ...loose.grads]);
    expect(a.isDisposed).toBe(false); // inputs stay the caller's
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => clipByGlobalNorm([], 0)).toThrow(/maxNorm/);
  });

  it('applyGradients clips when asked and reports the norm', async () => {
    await selectBackend('cpu');
    const p = problem(4);
    const opt = makeOptimizer({ type: 'sgd', learningRate: 1 });
    const w0 = read(p);
    const norm = step(opt, p, 1e-3);
    expect(norm).toBeGreaterThan(1e-3);
    const moved = Math.hypot(...read(p).map((v, i) => v - w0[i]!));
    expect(moved).toBeCloseTo(1e-3, 6); // lr 1 times a gradient clipped to norm 1e-3
    expect(step(opt, p)).toBeNull();
    opt.dispose();
    p.dispose();
  });

  it('setLearningRate changes the step size of tfjs and our optimizers', async () => {
    await selectBackend('cpu');
    for (const config of [{ type: 'sgd', learningRate: 0.1 }, { type: 'adam', learningRate: 0.1 }, { type: 'momentum', learningRate: 0.1, momentum: 0 }] as OptimizerConfig[]) {
      const p = problem(6);
      const opt = makeOptimizer(config);
      setLearningRate(opt, 0);
      const w0 = read(p);
      step(opt, p);
      expect(read(p), config.type).toEqual(w0);
      setLearningRate(opt, 0.1);
      step(opt, p);
      expect(read(p), config.type).not.toEqual(w0);
      opt.dispose();
      p.dispose();
    }
  });

  it('presets carry the published numbers and configs are validated', () => {
    expect(rmspropDqnNature).toMatchObject({ learningRate: 0.00025, decay: 0.95, momentum: 0, epsilon: 0.01, centered: true });
    expect(rmspropMinAtar).toMatchObject({ learningRate: 0.00025, decay: 0.95, epsilon: 0.01, centered: true, epsilonOutsideSqrt: true });
    expect(makeOptimizer({ type: 'adam', learningRate: 1e-3 })).toBeInstanceOf(FusedAdamOptimizer);
    expect((makeOptimizer({ type: 'adam', learningRate: 1e-3 }) as FusedAdamOptimizer).epsilon).toBe(1e-8);
    expect(() => makeOptimizer({ type: 'adam', learningRate: -1 })).toThrow(/learningRate/);
    expect(() => makeOptimizer({ type: 'rmsprop', learningRate: 1, decay: 1 })).toThrow(/decay/);
    expect(() => makeOptimizer({ type: 'nope', learningRate: 1 } as unknown as OptimizerConfig)).toThrow(/unknown optimizer/);
  });
});
