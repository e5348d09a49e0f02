import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../nets/backend.js';
import { gradCheck, gradCheckVariables } from '../../nets/gradcheck.js';
import { AttentionWeightedSum, DuelingCombine, LogStdParameter, mlp, SpatialSoftmax } from '../../nets/modules/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** A loss that weighs every output differently, so no gradient error cancels out in a plain sum. */
function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(y, tf.randomUniform(y.shape, 0.5, 1.5, 'float32', seed))));
}

describe('gradCheck', () => {
  it('passes on a dense tanh layer, for the input and the weights', () => {
    const x = rand([3, 5], 1);
    const w = tf.mul(rand([5, 4], 2), 0.5);
    const b = rand([4], 3);
    const layer = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => weightedSum(tf.tanh(tf.add(tf.matMul(xx, ww), bb)), 4);
    const before = tf.memory().numTensors;
    const r = gradCheck(layer, [x, w, b]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.passed).toBe(true);
    expect(r.checked).toBe(15 + 20 + 4);
    expect(r.maxRelError).toBeLessThan(1e-2);
    tf.dispose([x, w, b]);
  });

  it('passes on the custom layers: dueling combine, spatial softmax + weighted sum, log-std', () => {
    const dueling = new DuelingCombine();
    const v = rand([2, 1], 5);
    const a = rand([2, 4], 6);
    expect(gradCheck((vv, aa) => weightedSum(dueling.apply([vv!, aa!]) as tf.Tensor, 7), [v, a]).passed).toBe(true);

    const softmax = new SpatialSoftmax();
    const pool = new AttentionWeightedSum();
    const scores = rand([2, 3, 3, 1], 8);
    const feats = rand([2, 3, 3, 2], 9);
    const attend = (s: tf.Tensor, f: tf.Tensor) => weightedSum(pool.apply([f, softmax.apply(s) as tf.Tensor]) as tf.Tensor, 10);
    const r = gradCheck(attend, [scores, feats]);
    expect(r.passed).toBe(true);

    const logStd = new LogStdParameter({ size: 3, initLogStd: 0.2 });
    const zeros = tf.zeros([2, 5]);
    logStd.apply(zeros);
    const lr = gradCheckVariables(() => weightedSum(tf.exp(logStd.apply(zeros) as tf.Tensor), 11), [logStd.weights[0]!.read() as tf.Variable]);
    expect(lr.passed).toBe(true);
    expect(lr.checked).toBe(3);
    zeros.dispose();
    tf.dispose([v, a, scores, feats]);
  });

  it('fails on a deliberately wrong gradient and points at the worst entry', () => {
    // f(x) = x³ with a customGrad that forgets the factor 3 in 3x²·dy.
    type Save = (ts: tf.Tensor[]) => void;
    const wrongCube = tf.customGrad((...args) => {
      const x = args[0] as tf.Tensor;
      (args[1] as Save)([x]);
      return { value: tf.pow(x, 3), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.square(saved[0]!)) };
    });
    const rightCube = tf.customGrad((...args) => {
      const x = args[0] as tf.Tensor;
      (args[1] as Save)([x]);
      return { value: tf.pow(x, 3), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(3, tf.square(saved[0]!))) };
    });
    const x = rand([6], 13);
    const good = gradCheck((xx) => weightedSum(rightCube(xx) as tf.Tensor, 14), x);
    expect(good.passed).toBe(true);
    const bad = gradCheck((xx) => weightedSum(wrongCube(xx) as tf.Tensor, 14), x);
    expect(bad.passed).toBe(false);
    expect(bad.maxRelError).toBeGreaterThan(0.5);
    expect(bad.worst!.numeric / bad.worst!.analytic).toBeCloseTo(3, 1);

    // A sign error in one input of a two-input function is caught too.
    const wrongSub = tf.customGrad((...args) => ({
      value: tf.sub(args[0] as tf.Tensor, args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => [dy, dy],
    }));
    const p = rand([4], 15);
    const q = rand([4], 16);
    const sub = gradCheck((pp, qq) => weightedSum(wrongSub(pp!, qq!) as tf.Tensor, 17), [p, q]);
    expect(sub.passed).toBe(false);
    expect(sub.worst!.input).toBe(1);
    tf.dispose([x, p, q]);
  });

  it("gradCheckVariables checks a model's weights and restores them", () => {
    const m = mlp({ inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: 'tanh', seed: 19 });
    const x = rand([5, 3], 20);
    const weights = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const saved = weights.map((w) => Array.from(w.dataSync()));
    const before = tf.memory().numTensors;
    const r = gradCheckVariables(() => weightedSum(m.apply(x) as tf.Tensor, 21), weights);
    expect(tf.memory().numTensors).toBe(before);
    expect(r, JSON.stringify(r)).toMatchObject({ passed: true });
    expect(r.checked).toBe(3 * 4 + 4 + 4 * 2 + 2);
    weights.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(saved[i]));
    // A loss whose gradient tfjs gets "wrong" on purpose: stop the gradient through one weight.
    const wrong = tf.customGrad((...args) => ({ value: tf.mul(args[0] as tf.Tensor, 1), gradFunc: (dy: tf.Tensor) => tf.mul(dy, 0.5) }));
    expect(gradCheckVariables(() => weightedSum(wrong(m.apply(x) as tf.Tensor) as tf.Tensor, 21), weights).passed).toBe(false);
    x.dispose();
    m.dispose();
  });

  it('checks conv2d gradients on the wasm back end (its custom backprop kernels)', async () => {
    await selectBackend('wasm');
    try {
      const x = rand([2, 7, 7, 2], 22);
      const w = tf.mul(rand([3, 3, 2, 3], 23), 0.5);
      for (const [strides, pad] of [[1, 'valid'], [2, 'valid'], [2, 'same']] as const) {
        const conv = (xx: tf.Tensor, ww: tf.Tensor) => weightedSum(tf.tanh(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, strides, pad)), 24);
        const r = gradCheck(conv, [x, w]);
        expect(r, `${strides} ${pad}: ${JSON.stringify(r.worst)}`).toMatchObject({ passed: true });
      }
      tf.dispose([x, w]);
    } finally {
      await selectBackend('cpu');
    }
  });

  it('samples at most maxChecks entries and rejects bad arguments', () => {
    const x = rand([100], 18);
    const r = gradCheck((xx) => tf.sum(tf.sin(xx)), x, { maxChecks: 10 });
    expect(r.checked).toBe(10);
    expect(r.passed).toBe(true);
    expect(() => gradCheck((xx) => tf.sum(xx), x, { eps: 0 })).toThrow(/eps/);
    expect(() => gradCheck((xx) => tf.sum(xx), tf.tensor1d([1, 2], 'int32'))).toThrow(/float32/);
    expect(() => gradCheck((xx) => tf.sin(xx) as tf.Scalar, x, { maxChecks: 1 })).toThrow(/scalar/);
    x.dispose();
  });
});
