import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../nets/backend.js';
import { gradCheck } from '../../nets/gradcheck.js';
import { denseStack, denseStackAvailable, type StackActivation } from '../../nets/kernels/dense_stack.js';
import { fuseDenseStacks, fusedDenseInfo, unfuseDenseStacks } from '../../nets/kernels/dense_stack_model.js';
import { mlp } from '../../nets/modules/mlp.js';
import { makeOptimizer } from '../../nets/optim.js';
import { copyWeights } from '../../nets/weights.js';

const rand = (shape: number[], seed: number, scale = 1): tf.Tensor => tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));

/** The same stack op by op. */
function plainStack(x: tf.Tensor, layers: { kernel: tf.Tensor; bias: tf.Tensor; activation: StackActivation }[]): tf.Tensor {
  return layers.reduce((h, l) => {
    const z = tf.add(tf.matMul(h, l.kernel), l.bias);
    return l.activation === 'linear' ? z : l.activation === 'relu' ? tf.relu(z) : l.activation === 'tanh' ? tf.tanh(z) : tf.sigmoid(z);
  }, x);
}

/** A loss weighing every output differently, so no gradient error cancels out. */
function weighted(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(y, tf.randomUniform(y.shape, 0.5, 1.5, 'float32', seed))));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Odd widths (not multiples of 4) and an odd batch exercise the padding. */
function layersOf(widths: number[], acts: StackActivation[], seed: number) {
  return acts.map((activation, l) => ({
    kernel: rand([widths[l]!, widths[l + 1]!], seed + 2 * l, 1 / Math.sqrt(widths[l]!)),
    bias: rand([widths[l + 1]!], seed + 2 * l + 1, 0.3),
    activation,
  }));
}

describe.each(['cpu', 'wasm'] as const)('dense stack on %s', (backend) => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('matches the plain ops forward and in every gradient, for each activation', async () => {
    await selectBackend(backend);
    const cases: { widths: number[]; acts: StackActivation[]; batch: number }[] = [
      { widths: [5, 7, 3], acts: ['relu', 'linear'], batch: 9 },
      { widths: [4, 64, 64, 2], acts: ['relu', 'relu', 'linear'], batch: 64 },
      { widths: [6, 8, 5, 3], acts: ['tanh', 'sigmoid', 'tanh'], batch: 3 },
      { widths: [3, 9, 4], acts: ['sigmoid', 'relu'], batch: 1 },
    ];
    cases.forEach(({ widths, acts, batch }, c) => {
      const x = rand([batch, widths[0]!], 100 + c);
      const layers = layersOf(widths, acts, 10 * c);
      const inputs = [x, ...layers.flatMap((l) => [l.kernel, l.bias])];
      const asLayers = (ts: tf.Tensor[]) => layers.map((l, i) => ({ kernel: ts[2 * i]!, bias: ts[2 * i + 1]!, activation: l.activation }));
      const fused = tf.grads((...ts: tf.Tensor[]) => weighted(denseStack(ts[0]!, asLayers(ts.slice(1))), 7));
      const plain = tf.grads((...ts: tf.Tensor[]) => weighted(plainStack(ts[0]!, asLayers(ts.slice(1))), 7));
      const yFused = denseStack(x, layers);
      const yPlain = plainStack(x, layers);
      expect(maxAbsDiff(yFused, yPlain), `forward case ${c}`).toBeLessThan(1e-5);
      const gf = fused(inputs);
      const gp = plain(inputs);
      gf.forEach((g, i) => expect(maxAbsDiff(g, gp[i]!), `grad ${i} case ${c}`).toBeLessThan(1e-4));
      // Non-trivial: some gradient is far from zero.
      expect(Math.max(...gp.map((g) => tf.max(tf.abs(g)).dataSync()[0]!))).toBeGreaterThan(0.1);
      tf.dispose([...inputs, yFused, yPlain, ...gf, ...gp]);
    });
  });

  it('passes a numeric gradient check', async () => {
    await selectBackend(backend);
    const x = rand([5, 3], 1);
    const layers = layersOf([3, 6, 5, 2], ['tanh', 'sigmoid', 'linear'], 20);
    const inputs = [x, ...layers.flatMap((l) => [l.kernel, l.bias])];
    const f = (...ts: tf.Tensor[]) =>
      weighted(denseStack(ts[0]!, layers.map((l, i) => ({ kernel: ts[1 + 2 * i]!, bias: ts[2 + 2 * i]!, activation: l.activation }))), 3);
    const before = tf.memory().numTensors;
    const r = gradCheck(f, inputs);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.checked).toBe(15 + 18 + 6 + 30 + 5 + 10 + 2);
    expect(r.passed, JSON.stringify(r.worst)).toBe(true);
    tf.dispose(inputs);
  });

  it('rejects bad inputs with a clear error', async () => {
    await selectBackend(backend);
    const x = rand([4, 3], 1);
    const good = layersOf([3, 5, 2], ['relu', 'linear'], 30);
    const wrongWidth = [good[0]!, { ...good[1]!, kernel: rand([4, 2], 2) }];
    expect(() => denseStack(x, wrongWidth)).toThrow(/kernel 1 has shape \[4, 2\], expected \[5, units\]/);
    expect(() => denseStack(x, [good[0]!])).toThrow(/no fused kernel for 1 layers/);
    const ints = tf.zeros([4, 3], 'int32');
    expect(() => denseStack(ints, good)).toThrow(/float32/);
    expect(() => denseStack(x, [good[0]!, { ...good[1]!, activation: 'softmax' as StackActivation }])).toThrow(/unsupported activation 'softmax'/);
    tf.dispose([x, ints, wrongWidth[1]!.kernel, ...good.flatMap((l) => [l.kernel, l.bias])]);
  });

  it("mlp() trains like the unfused model: outputs, gradients and Adam steps, with stable tensor counts", async () => {
    await selectBackend(backend);
    expect(denseStackAvailable(3)).toBe(true);
    const cfg = { inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, seed: 3, fused: true };
    const fused = mlp(cfg);
    const plain = mlp({ ...cfg, fused: false });
    expect(fusedDenseInfo(fused)).toEqual({ fusedLayers: 3, maxDepth: 3 });
    expect(fusedDenseInfo(plain)).toBeNull();
    expect(fused.weights.map((w) => w.shape)).toEqual(plain.weights.map((w) => w.shape));
    expect(fused.weights.map((w) => w.name.replace(/_\d+/, ''))).toEqual(['dense/kernel', 'dense/bias', 'dense/kernel', 'dense/bias', 'dense/kernel', 'dense/bias']);
    copyWeights(plain, fused);
    const x = rand([64, 4], 5);
    const target = rand([64, 2], 6);
    const yf = fused.predict(x) as tf.Tensor;
    const yp = plain.predict(x) as tf.Tensor;
    expect(maxAbsDiff(yf, yp)).toBeLessThan(1e-5);
    const ya = fused.apply(x) as tf.Tensor;
    expect(maxAbsDiff(ya, yp)).toBeLessThan(1e-5);
    // A kernel profile shows the fusion: one stack forward, one stack gradient, no MatMul.
    const lossOf = (m: tf.LayersModel) => () => tf.losses.meanSquaredError(target, m.apply(x) as tf.Tensor) as tf.Scalar;
    const { kernels } = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(lossOf(fused));
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'PixelgymDenseStack3Linear')).toHaveLength(1);
    expect(names.filter((n) => n === 'PixelgymDenseStackGrad')).toHaveLength(1);
    expect(names.some((n) => /MatMul/.test(n))).toBe(false);
    const optF = makeOptimizer({ type: 'adam', learningRate: 1e-2 });
    const optP = makeOptimizer({ type: 'adam', learningRate: 1e-2 });
    const step = (m: tf.LayersModel, opt: tf.Optimizer): number => {
      const { value, grads } = tf.variableGrads(lossOf(m), m.trainableWeights.map((w) => w.read() as tf.Variable));
      opt.applyGradients(grads);
      const v = value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      return v;
    };
    const first = step(fused, optF);
    step(plain, optP);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 4; i++) {
      last = step(fused, optF);
      step(plain, optP);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(last).toBeLessThan(first);
    fused.weights.forEach((w, i) => expect(maxAbsDiff(w.read(), plain.weights[i]!.read()), w.name).toBeLessThan(1e-4));
    tf.dispose([x, target, yf, yp, ya]);
    optF.dispose();
    optP.dispose();
    fused.dispose();
    plain.dispose();
  });

  it('fuses the chains of a branching model and keeps its outputs', async () => {
    await selectBackend(backend);
    const input = tf.input({ shape: [6] });
    const dense = (units: number, activation: 'relu' | 'tanh' | 'linear', seed: number) =>
      tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed }) });
    const trunk = dense(8, 'linear', 3).apply(dense(16, 'tanh', 2).apply(dense(16, 'relu', 1).apply(input))) as tf.SymbolicTensor;
    // Two heads share the trunk: the trunk is one stack, each head a plain layer (or a stack of two).
    const a = dense(3, 'linear', 4).apply(trunk) as tf.SymbolicTensor;
    const b = dense(1, 'linear', 6).apply(dense(5, 'relu', 5).apply(trunk)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [a, b] });
    const x = rand([7, 6], 9);
    const before = model.predict(x) as tf.Tensor[];
    fuseDenseStacks(model);
    expect(fusedDenseInfo(model)).toEqual({ fusedLayers: 5, maxDepth: 3 });
    const after = model.predict(x) as tf.Tensor[];
    const applied = model.apply(x) as tf.Tensor[];
    expect(after).toHaveLength(2);
    after.forEach((t, i) => expect(maxAbsDiff(t, before[i]!)).toBeLessThan(1e-5));
    applied.forEach((t, i) => expect(maxAbsDiff(t, before[i]!)).toBeLessThan(1e-5));
    // Wrong input width: the original predict runs and raises its own error.
    const wrong = tf.zeros([2, 5]);
    expect(() => model.predict(wrong)).toThrow();
    tf.dispose([x, wrong, ...before, ...after, ...applied]);
    model.dispose();
  });

  it("mlp() fuses on wasm by default and on cpu only when asked", async () => {
    await selectBackend(backend);
    const byDefault = mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 2 });
    const x = rand([2, 3], 4);
    const { kernels } = await tf.profile(() => {
      tf.dispose(byDefault.predict(x) as tf.Tensor);
    });
    expect(kernels.some((k) => k.name.startsWith('PixelgymDenseStack2'))).toBe(backend === 'wasm');
    expect(() => mlp({ inputSize: 3, outputSize: 2, hiddenSizes: [4], fused: 'gpu' as unknown as boolean })).toThrow(/fused must be/);
    expect(() => fuseDenseStacks(byDefault, { backends: ['webgl'] })).not.toThrow(); // already fused: unchanged
    const other = mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 2, fused: false });
    expect(() => fuseDenseStacks(other, { backends: ['webgl'] })).toThrow(/no fused kernels for back end 'webgl'/);
    x.dispose();
    byDefault.dispose();
    other.dispose();
  });

  it('unfuseDenseStacks puts the layer-by-layer path back', async () => {
    await selectBackend(backend);
    const model = mlp({ inputSize: 3, hiddenSizes: [8], outputSize: 2, fused: true });
    const x = rand([2, 3], 4);
    const fusedOut = model.predict(x) as tf.Tensor;
    expect(unfuseDenseStacks(model)).toBe(model);
    expect(fusedDenseInfo(model)).toBeNull();
    const { kernels, result } = await tf.profile(() => model.predict(x) as tf.Tensor);
    expect(kernels.some((k) => k.name.startsWith('PixelgymDenseStack'))).toBe(false);
    expect(maxAbsDiff(result as tf.Tensor, fusedOut)).toBeLessThan(1e-5);
    expect(fusedDenseInfo(fuseDenseStacks(model))).not.toBeNull();
    tf.dispose([x, fusedOut, result as tf.Tensor]);
    model.dispose();
  });

  it('leaves models without a dense chain alone', async () => {
    await selectBackend(backend);
    const withDropout = mlp({ inputSize: 4, hiddenSizes: [8, 8], outputSize: 2, dropout: 0.5 });
    expect(fusedDenseInfo(withDropout)).toBeNull();
    withDropout.dispose();
  });
});
