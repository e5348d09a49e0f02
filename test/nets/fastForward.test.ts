import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileDenseForward } from '../../nets/fastForward.js';
import { attachHead, categoricalPolicyHead, duelingQHead, gaussianPolicyHead, inputOf, mlp, natureCnn, toModel, type Activation } from '../../nets/modules/index.js';
import { buildNet } from '../../nets/encoders.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Largest |fast − tfjs| over `count` seeded observations, one at a time, on the SIMD and the JS path. */
function maxDiff(model: tf.LayersModel, count = 8, outputIndex = 0): number {
  return Math.max(maxDiffOf(model, count, outputIndex, true), maxDiffOf(model, count, outputIndex, false));
}

function maxDiffOf(model: tf.LayersModel, count: number, outputIndex: number, simd: boolean): number {
  const fast = compileDenseForward(model, { outputIndex, simd });
  expect(fast.simd).toBe(simd);
  const size = fast.inputSize;
  let worst = 0;
  for (let k = 0; k < count; k++) {
    const obs = tf.tidy(() => tf.randomNormal([1, size], 0, 2, 'float32', 100 + k).dataSync().slice() as Float32Array);
    const want = tf.tidy(() => {
      const y = model.predict(tf.tensor2d(obs, [1, size]));
      return (Array.isArray(y) ? y[outputIndex]! : y).dataSync().slice();
    });
    const got = fast.forward(obs);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  }
  return worst;
}

describe('compileDenseForward', () => {
  it('equals tfjs for the 4-64-64-2 mlp and every activation', () => {
    expect(maxDiff(mlp({ inputSize: 4, hiddenSizes: [64, 64], outputSize: 2 }))).toBeLessThan(1e-5);
    const acts: Activation[] = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'elu', 'linear'];
    for (const activation of acts) {
      const m = mlp({ inputSize: 6, hiddenSizes: [17, 9], outputSize: 3, activation, outputActivation: activation, seed: 2, init: 'heNormal' });
      expect(maxDiff(m)).toBeLessThan(1e-5);
      m.dispose();
    }
  });

  it('equals tfjs for dueling, categorical (encoder + head) and Gaussian nets', () => {
    const dueling = buildNet({ encoder: { name: 'mlp', config: { inputSize: 5, hiddenSizes: [32] } }, head: { name: 'duelingQ', config: { numActions: 4, hiddenSizes: [8] } } });
    expect(maxDiff(dueling)).toBeLessThan(1e-5);
    const enc = mlp({ inputSize: 5, hiddenSizes: [16, 16], activation: 'tanh' });
    const actor = attachHead(enc, categoricalPolicyHead({ numActions: 3, init: 'glorotUniform' }));
    expect(maxDiff(actor)).toBeLessThan(1e-5);
    const gauss = attachHead(enc, gaussianPolicyHead({ actionSize: 2, initLogStd: -0.7 }));
    expect(maxDiff(gauss, 3, 0)).toBeLessThan(1e-5);
    expect(maxDiff(gauss, 3, 1)).toBeLessThan(1e-7);
    // A nested model (a user's own) is walked into as well.
    const f = inputOf([5]);
    const nested = tf.model({ inputs: f, outputs: duelingQHead({ numActions: 2 })(enc.apply(f) as tf.SymbolicTensor) });
    expect(maxDiff(nested)).toBeLessThan(1e-5);
    [dueling, actor, gauss, nested].forEach((m) => m.dispose());
  });

  it('folds inference batch norm, rescaling and softmax', () => {
    const m = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 3, batchNorm: true, outputActivation: 'linear' });
    // Non-trivial moving statistics and affine parameters, so the fold is really exercised.
    const bn = m.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    bn.setWeights(bn.getWeights().map((w, i) => tf.tidy(() => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', i) : tf.randomNormal(w.shape, 0, 1, 'float32', i)))));
    expect(maxDiff(m)).toBeLessThan(1e-5);
    const soft = toModel([4], (x) => tf.layers.dense({ units: 5, activation: 'softmax' }).apply(tf.layers.rescaling({ scale: 0.5, offset: 1 }).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor);
    expect(maxDiff(soft)).toBeLessThan(1e-6);
    m.dispose();
    soft.dispose();
  });

  it('is stale until refresh() after a weight update; writes into out; creates no tensors', () => {
    const m = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2 });
    const fast = compileDenseForward(m);
    expect(fast.simd).toBe(true); // Node 20 has WebAssembly SIMD
    const obs = new Float32Array([0.5, -1, 2, 0.25]);
    const before = Array.from(fast.forward(obs));
    tf.tidy(() => {
      m.weights[3]!.write(tf.add(m.weights[3]!.read(), 1));
    });
    expect(Array.from(fast.forward(obs))).toEqual(before);
    fast.refresh();
    const after = fast.forward(obs);
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i]! + 1, 5));
    const out = new Float32Array(2);
    expect(fast.forward(obs, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(after));
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) fast.forward(obs);
    fast.refresh();
    expect(tf.memory().numTensors).toBe(tensors);
    m.dispose();
  });

  it('rejects unsupported layers and wrong sizes clearly', () => {
    const cnn = natureCnn({ inputShape: [36, 36, 1] });
    expect(() => compileDenseForward(cnn)).toThrow(/layer 'conv_\d+' \(Conv2D\) is not supported/);
    const m = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2 });
    const fast = compileDenseForward(m);
    expect(() => fast.forward(new Float32Array(3))).toThrow(/expected 4 inputs, got 3/);
    expect(() => fast.forward(new Float32Array(4), new Float32Array(3))).toThrow(/out must have 2/);
    expect(() => compileDenseForward(m, { outputIndex: 1 })).toThrow(/no output 1/);
    [cnn, m].forEach((t) => t.dispose());
  });
});
