import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attachHead,
  categoricalPolicyHead,
  duelingQHead,
  gaussianPolicyHead,
  globalAvgPoolHead,
  impala,
  inception,
  inceptionBlock,
  inputOf,
  minatarCnn,
  mlp,
  natureCnn,
  qHead,
  RecurrentCore,
  resnet,
  resnetBasicBlock,
  spatialAttentionPool,
  toModel,
  valueHead,
  vgg,
  vggBlock,
  type Activation,
  type Init,
  type RecurrentKind,
} from '../../nets/modules/index.js';
import { buildNet, makeEncoder, type EncoderSpec } from '../../nets/encoders.js';
import { copyWeights, freeze, polyakUpdate, unfreeze } from '../../nets/weights.js';
import { selectBackend } from '../../nets/backend.js';

// wasm, with the back-end engineer's kernels (conv filter gradients) registered by selectBackend.
beforeAll(async () => {
  expect(await selectBackend('wasm')).toBe('wasm');
});

const vars = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.read() as tf.Variable);

/** One backward pass of a scalar loss through `model` in training mode; returns per-variable grad norms. */
function backward(model: tf.LayersModel, x: tf.Tensor): number[] {
  const { value, grads } = tf.variableGrads(() => {
    const y = model.apply(x, { training: true });
    const outs = Array.isArray(y) ? y : [y];
    return tf.addN(outs.map((o) => tf.sum(tf.square(o as tf.Tensor)))) as tf.Scalar;
  }, vars(model));
  const norms = vars(model).map((v) => {
    const g = grads[v.name];
    return g ? tf.tidy(() => tf.norm(g).dataSync()[0]!) : 0;
  });
  expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
  tf.dispose([value, ...Object.values(grads)]);
  return norms;
}

/** Runs fn once to warm up, then checks `reps` more runs leave the tensor count unchanged. */
function expectNoLeak(fn: () => void, reps = 3): void {
  fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < reps; i++) fn();
  expect(tf.memory().numTensors).toBe(before);
}

const input = (shape: number[], seed = 1) => tf.randomNormal(shape, 0, 1, 'float32', seed);

function shapeOf(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).shape);
}

/** Full check of a single-output model: forward shape, a gradient for every weight, no leaks. */
function checkTrains(model: tf.LayersModel, x: tf.Tensor, outShape: number[]): void {
  expect(shapeOf(model, x)).toEqual(outShape);
  const norms = backward(model, x);
  expect(norms.length).toBe(model.trainableWeights.length);
  for (const n of norms) expect(n).toBeGreaterThan(0);
  expectNoLeak(() => backward(model, x), 2);
}

describe('mlp', () => {
  it('has the documented parameter count and trains', () => {
    const m = mlp({ inputSize: 4, hiddenSizes: [64, 64], outputSize: 2 });
    expect(m.countParams()).toBe(4 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2);
    const x = input([5, 4]);
    checkTrains(m, x, [5, 2]);
    x.dispose();
    m.dispose();
  });

  it('builds every activation and init, with the output activation applied', () => {
    const acts: Activation[] = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'elu', 'linear'];
    const inits: Init[] = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'smallRandom'];
    const x = input([3, 5]);
    acts.forEach((activation, i) => {
      const m = mlp({ inputSize: 5, hiddenSizes: [8], outputSize: 3, activation, outputActivation: activation, init: inits[i % inits.length]!, seed: i });
      const y = m.predict(x) as tf.Tensor;
      const v = y.dataSync();
      if (activation === 'sigmoid') for (const a of v) expect(a > 0 && a < 1).toBe(true);
      if (activation === 'relu') for (const a of v) expect(a).toBeGreaterThanOrEqual(0);
      if (activation === 'tanh') for (const a of v) expect(Math.abs(a)).toBeLessThan(1);
      if (activation === 'elu') for (const a of v) expect(a).toBeGreaterThan(-1);
      y.dispose();
      for (const n of backward(m, x)) expect(n).toBeGreaterThan(0);
      m.dispose();
    });
    x.dispose();
  });

  it('leaky relu uses slope 0.01', () => {
    const m = mlp({ inputSize: 1, hiddenSizes: [], outputSize: 1, outputActivation: 'leakyRelu' });
    m.setWeights([tf.tensor2d([[1]]), tf.tensor1d([0])]);
    const y = m.predict(tf.tensor2d([[-2], [3]])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([expect.closeTo(-0.02, 6), 3]);
    m.dispose();
  });

  it("'smallRandom' is 0.01·N(0,1) and seeds are reproducible", () => {
    const a = mlp({ inputSize: 200, hiddenSizes: [200], init: 'smallRandom', seed: 3 });
    const b = mlp({ inputSize: 200, hiddenSizes: [200], init: 'smallRandom', seed: 3 });
    const c = mlp({ inputSize: 200, hiddenSizes: [200], init: 'smallRandom', seed: 4 });
    const k = a.weights[0]!.read();
    const { mean, variance } = tf.moments(k);
    expect(Math.abs(mean.dataSync()[0]!)).toBeLessThan(0.001);
    expect(Math.sqrt(variance.dataSync()[0]!)).toBeCloseTo(0.01, 3);
    expect(Array.from(b.weights[0]!.read().dataSync())).toEqual(Array.from(k.dataSync()));
    expect(Array.from(c.weights[0]!.read().dataSync())).not.toEqual(Array.from(k.dataSync()));
    tf.dispose([mean, variance]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects bad configs clearly', () => {
    expect(() => mlp({ inputSize: 0 })).toThrow(/inputSize/);
    expect(() => mlp({ inputSize: 3, hiddenSizes: [4, -1] })).toThrow(/hidden sizes/);
    expect(() => mlp({ inputSize: 3, activation: 'swish' as Activation })).toThrow(/unknown activation 'swish'/);
    expect(() => mlp({ inputSize: 3, init: 'zeros' as Init })).toThrow(/unknown init 'zeros'/);
  });

  it('batch norm and dropout options train', () => {
    const m = mlp({ inputSize: 4, hiddenSizes: [8, 8], outputSize: 2, batchNorm: true, dropout: 0.2 });
    expect(m.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(m.layers.some((l) => l.getClassName() === 'Dropout')).toBe(true);
    const x = input([6, 4]);
    checkTrains(m, x, [6, 2]);
    x.dispose();
    m.dispose();
  });
});

describe('Atari-style CNNs', () => {
  it('natureCnn has 1,687,206 parameters with 6 actions', () => {
    const m = natureCnn({ numActions: 6 });
    expect(m.countParams()).toBe(1_687_206);
    expect(m.inputs[0]!.shape).toEqual([null, 84, 84, 4]);
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.getConfig());
    expect(convs.map((c) => [c['filters'], c['kernelSize'], c['strides']])).toEqual([
      [32, [8, 8], [4, 4]],
      [64, [4, 4], [2, 2]],
      [64, [3, 3], [1, 1]],
    ]);
    m.dispose();
  });

  it('natureCnn trains at 84×84×4', () => {
    const m = natureCnn({ numActions: 6, inputScale: 1 / 255 });
    const x = tf.tidy(() => tf.floor(tf.randomUniform([2, 84, 84, 4], 0, 256, 'float32', 11)));
    checkTrains(m, x, [2, 6]);
    x.dispose();
    m.dispose();
  });

  it('natureCnn on a small input; its encoder outputs 512 features', () => {
    const m = natureCnn({ inputShape: [36, 36, 2], numActions: 3, inputScale: 1 / 255 });
    // 36 → 8 → 3 → 1 spatially: 64 features into the dense layer.
    expect(m.countParams()).toBe(8 * 8 * 2 * 32 + 32 + 4 * 4 * 32 * 64 + 64 + 3 * 3 * 64 * 64 + 64 + 64 * 512 + 512 + 512 * 3 + 3);
    const x = tf.tidy(() => input([1, 36, 36, 2]).abs().mul(255));
    checkTrains(m, x, [1, 3]);
    const enc = natureCnn({ inputShape: [36, 36, 2] });
    expect(shapeOf(enc, x)).toEqual([1, 512]);
    expect(() => natureCnn({ inputShape: [30, 30, 1] })).toThrow(/too small/);
    [x, m, enc].forEach((t) => t.dispose());
  });

  it('minatarCnn: 16 3×3 conv, dense 128, on 10×10×C', () => {
    const m = minatarCnn({ channels: 4, numActions: 6 });
    expect(m.countParams()).toBe(3 * 3 * 4 * 16 + 16 + 8 * 8 * 16 * 128 + 128 + 128 * 6 + 6);
    const x = input([2, 10, 10, 4]);
    checkTrains(m, x, [2, 6]);
    x.dispose();
    m.dispose();
  });
});

describe('vision blocks', () => {
  it('vggBlock: n same 3×3 convs then a 2×2 pool; vgg doubles channels per stage', () => {
    const x0 = inputOf([8, 8, 2]);
    const y = vggBlock({ filters: 4, convs: 3 })(x0);
    expect(y.shape).toEqual([null, 4, 4, 4]);
    const m = vgg({ inputShape: [8, 8, 2], stages: 2, baseFilters: 4, convsPerStage: 2 });
    expect(m.countParams()).toBe(9 * 2 * 4 + 4 + 9 * 4 * 4 + 4 + 9 * 4 * 8 + 8 + 9 * 8 * 8 + 8);
    const x = input([2, 8, 8, 2]);
    checkTrains(m, x, [2, 8]);
    const flat = vgg({ inputShape: [8, 8, 2], stages: 2, baseFilters: 4, pooling: 'flatten', featureSize: 5, batchNorm: true, dropout: 0.1 });
    checkTrains(flat, x, [2, 5]);
    expect(() => vgg({ inputShape: [4, 4, 1], stages: 3 })).toThrow(/too small/);
    [x, m, flat].forEach((t) => t.dispose());
  });

  it('inceptionBlock concatenates the four branches', () => {
    const x0 = inputOf([6, 6, 3]);
    const cfg = { filters1x1: 2, reduce3x3: 3, filters3x3: 4, reduce5x5: 1, filters5x5: 2, poolProjection: 3 };
    const block = toModel([6, 6, 3], inceptionBlock(cfg));
    expect(inceptionBlock(cfg)(x0).shape).toEqual([null, 6, 6, 2 + 4 + 2 + 3]);
    const c = 3;
    const expected = c * 2 + 2 + (c * 3 + 3) + (9 * 3 * 4 + 4) + (c * 1 + 1) + (25 * 1 * 2 + 2) + (c * 3 + 3);
    expect(block.countParams()).toBe(expected);
    const x = input([2, 6, 6, 3]);
    checkTrains(block, x, [2, 6, 6, 11]);
    const enc = inception({ inputShape: [8, 8, 3], stemFilters: 4, blocks: 1, block: cfg, featureSize: 7 });
    const x2 = input([2, 8, 8, 3], 2);
    checkTrains(enc, x2, [2, 7]);
    [x, x2, block, enc].forEach((t) => t.dispose());
  });

  it('globalAvgPoolHead averages over height and width', () => {
    const m = toModel([3, 4, 5], globalAvgPoolHead());
    const x = input([2, 3, 4, 5]);
    const y = m.predict(x) as tf.Tensor;
    const want = tf.mean(x, [1, 2]);
    expect(tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]).toBeLessThan(1e-6);
    const head = toModel([3, 4, 5], globalAvgPoolHead({ outputSize: 2 }));
    checkTrains(head, x, [2, 2]);
    tf.dispose([x, y, want]);
    m.dispose();
    head.dispose();
  });

  it('resnetBasicBlock: identity shortcut when shapes agree, projection otherwise', () => {
    const same = toModel([6, 6, 4], resnetBasicBlock({ filters: 4, batchNorm: false }));
    expect(same.countParams()).toBe(2 * (9 * 4 * 4 + 4));
    const proj = toModel([6, 6, 4], resnetBasicBlock({ filters: 8, stride: 2, batchNorm: false }));
    expect(proj.countParams()).toBe(9 * 4 * 8 + 8 + 9 * 8 * 8 + 8 + 4 * 8 + 8);
    const x = input([2, 6, 6, 4]);
    // With the residual branch zeroed the block is relu(x): the shortcut really is the identity.
    same.setWeights(same.getWeights().map((w) => tf.zerosLike(w)));
    const y = same.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(y, tf.relu(x)))).dataSync()[0]).toBe(0);
    y.dispose();
    const bn = toModel([6, 6, 4], resnetBasicBlock({ filters: 8, stride: 2 }));
    checkTrains(bn, x, [2, 3, 3, 8]);
    checkTrains(proj, x, [2, 3, 3, 8]);
    const net = resnet({ inputShape: [8, 8, 2], baseFilters: 4, blocksPerStage: [1, 1], featureSize: 6 });
    const x2 = input([2, 8, 8, 2], 3);
    checkTrains(net, x2, [2, 6]);
    [x, x2, same, proj, bn, net].forEach((t) => t.dispose());
  });

  it('impala: stages of conv + pool + 2 residual blocks, channels 16/32/32, dense 256', () => {
    const m = impala({ inputShape: [12, 12, 2] });
    const conv = (cin: number, c: number) => 9 * cin * c + c;
    let params = 0;
    let cin = 2;
    for (const c of [16, 32, 32]) {
      params += conv(cin, c) + 4 * conv(c, c);
      cin = c;
    }
    // 12 → 6 → 3 → 2 with same-padded stride-2 pools.
    params += 2 * 2 * 32 * 256 + 256;
    expect(m.countParams()).toBe(params);
    expect(m.layers.filter((l) => l.getClassName() === 'Add').length).toBe(6);
    const x = input([2, 12, 12, 2]);
    checkTrains(m, x, [2, 256]);
    const reg = impala({ inputShape: [8, 8, 1], channels: [4, 4], featureSize: 8, batchNorm: true, dropout: 0.3 });
    const x2 = input([2, 8, 8, 1], 4);
    checkTrains(reg, x2, [2, 8]);
    [x, x2, m, reg].forEach((t) => t.dispose());
  });
});

describe('spatial attention pooling', () => {
  it('returns an attention map summing to 1 per example and the matching weighted sum', () => {
    const features = inputOf([3, 4, 5]);
    const { pooled, attention } = spatialAttentionPool({ hiddenSize: 6, seed: 2 })(features);
    const m = tf.model({ inputs: features, outputs: [pooled, attention] });
    // 1×1 tanh conv 5→6, then the 1×1 score conv 6→1.
    expect(m.countParams()).toBe(5 * 6 + 6 + 6 + 1);
    const x = input([2, 3, 4, 5]);
    const [p, a] = m.predict(x) as tf.Tensor[];
    expect(p!.shape).toEqual([2, 5]);
    expect(a!.shape).toEqual([2, 3, 4]);
    const sums = tf.sum(a!, [1, 2]).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(tf.min(a!).dataSync()[0]).toBeGreaterThan(0);
    const manual = tf.sum(tf.mul(x, tf.expandDims(a!, -1)), [1, 2]);
    expect(tf.max(tf.abs(tf.sub(manual, p!))).dataSync()[0]).toBeLessThan(1e-5);
    // The map must depend on the input (not a constant uniform map).
    expect(tf.max(a!).dataSync()[0]).toBeGreaterThan(1 / 12 + 1e-4);
    tf.dispose([p!, a!, manual]);
    const norms = backward(m, x);
    for (const n of norms) expect(n).toBeGreaterThan(0);
    expectNoLeak(() => backward(m, x), 2);
    x.dispose();
    m.dispose();
  });
});

describe('heads', () => {
  const features = () => inputOf([7]);

  it('dueling head: Q = V + A − mean(A)', () => {
    const f = features();
    const q = duelingQHead({ numActions: 4, hiddenSizes: [5], seed: 1 })(f);
    const m = tf.model({ inputs: f, outputs: q });
    const valueLayer = m.layers.find((l) => l.name.startsWith('dueling_value'))!;
    const advLayer = m.layers.find((l) => l.name.startsWith('dueling_advantage'))!;
    const parts = tf.model({ inputs: f, outputs: [q, valueLayer.output as tf.SymbolicTensor, advLayer.output as tf.SymbolicTensor] });
    const x = input([3, 7]);
    const [qv, v, a] = parts.predict(x) as tf.Tensor[];
    tf.tidy(() => {
      const want = tf.add(v!, tf.sub(a!, tf.mean(a!, -1, true)));
      expect(tf.max(tf.abs(tf.sub(qv!, want))).dataSync()[0]).toBeLessThan(1e-6);
      expect(tf.max(tf.abs(tf.sub(tf.mean(qv!, -1, true), v!))).dataSync()[0]).toBeLessThan(1e-6);
    });
    tf.dispose([qv!, v!, a!]);
    expect(m.countParams()).toBe(2 * (7 * 5 + 5) + 5 * 1 + 1 + 5 * 4 + 4);
    checkTrains(m, x, [3, 4]);
    x.dispose();
    m.dispose();
  });

  it('q, categorical and value heads have the right shapes; logits start near zero', () => {
    const f = features();
    const m = tf.model({
      inputs: f,
      outputs: [qHead({ numActions: 3 })(f), categoricalPolicyHead({ numActions: 5 })(f), valueHead()(f)],
    });
    const x = input([4, 7]);
    const [q, logits, v] = m.predict(x) as tf.Tensor[];
    expect([q!.shape, logits!.shape, v!.shape]).toEqual([[4, 3], [4, 5], [4, 1]]);
    expect(tf.max(tf.abs(logits!)).dataSync()[0]).toBeLessThan(0.2);
    tf.dispose([q!, logits!, v!]);
    for (const n of backward(m, x)) expect(n).toBeGreaterThan(0);
    expect(() => qHead({ numActions: 0 })).toThrow(/numActions/);
    x.dispose();
    m.dispose();
  });

  it('gaussian head: mean plus a state-independent, trainable log-std', () => {
    const f = features();
    const [mean, logStd] = gaussianPolicyHead({ actionSize: 2, initLogStd: -0.5 })(f);
    const m = tf.model({ inputs: f, outputs: [mean, logStd] });
    expect(m.countParams()).toBe(7 * 2 + 2 + 2);
    const x1 = input([3, 7], 5);
    const x2 = input([3, 7], 6);
    const [, s1] = m.predict(x1) as tf.Tensor[];
    const [, s2] = m.predict(x2) as tf.Tensor[];
    expect(Array.from(s1!.dataSync())).toEqual(new Array(6).fill(-0.5));
    expect(Array.from(s2!.dataSync())).toEqual(Array.from(s1!.dataSync()));
    const logStdVar = m.trainableWeights.find((w) => w.name.endsWith('log_std'))!;
    const { grads, value } = tf.variableGrads(() => tf.sum((m.apply(x1) as tf.Tensor[])[1]!), [logStdVar.read() as tf.Variable]);
    expect(Array.from(Object.values(grads)[0]!.dataSync())).toEqual([3, 3]);
    tf.dispose([s1!, s2!, value, ...Object.values(grads), ...(m.predict(x1) as tf.Tensor[])]);
    expectNoLeak(() => backward(m, x1), 2);
    [x1, x2].forEach((t) => t.dispose());
    m.dispose();
  });
});

describe('recurrent cores', () => {
  const kinds: RecurrentKind[] = ['simpleRnn', 'lstm', 'gru'];
  const F = 3;
  const U = 5;
  const B = 2;
  const T = 6;
  const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

  for (const kind of kinds) {
    it(`${kind}: single steps equal the sequence path, with and without resets`, () => {
      const core = new RecurrentCore({ kind, inputSize: F, units: U, seed: 7 });
      const gates = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;
      expect(core.model.countParams()).toBe(gates * (F * U + U * U + U));
      const xs = input([B, T, F], 8) as tf.Tensor3D;
      const s0 = core.initialState(B).map((s) => tf.keep(tf.add(s, 0.3)) as tf.Tensor2D);
      tf.tidy(() => {
        const seq = core.sequence(xs, s0);
        let s = s0;
        const outs: tf.Tensor[] = [];
        for (let t = 0; t < T; t++) {
          const r = core.step(tf.reshape(tf.slice(xs, [0, t, 0], [B, 1, F]), [B, F]) as tf.Tensor2D, s);
          outs.push(r.output);
          s = r.state;
        }
        expect(maxDiff(tf.stack(outs, 1), seq.outputs)).toBeLessThan(1e-6);
        s.forEach((st, i) => expect(maxDiff(st, seq.state[i]!)).toBeLessThan(1e-6));
        expect(seq.outputs.shape).toEqual([B, T, U]);

        // Reset of row 1 at t = 3 equals running that row's tail from a zero state.
        const resets = tf.tensor2d([[0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0]]);
        const withReset = core.sequence(xs, s0, resets);
        const tail = core.sequence(tf.slice(xs, [1, 3, 0], [1, T - 3, F]) as tf.Tensor3D, core.initialState(1));
        expect(maxDiff(tf.slice(withReset.outputs, [1, 3, 0], [1, T - 3, U]), tail.outputs)).toBeLessThan(1e-6);
        expect(maxDiff(tf.slice(withReset.outputs, [0, 0, 0], [1, T, U]), tf.slice(seq.outputs, [0, 0, 0], [1, T, U]))).toBeLessThan(1e-6);
        // ... and differs from no reset (the mask did something).
        expect(maxDiff(withReset.outputs, seq.outputs)).toBeGreaterThan(1e-4);
        // A step with a reset mask equals a step from the zeroed state.
        const x0 = tf.reshape(tf.slice(xs, [0, 0, 0], [B, 1, F]), [B, F]) as tf.Tensor2D;
        const a = core.step(x0, s0, [1, 0]);
        const b = core.step(x0, core.resetState(s0, tf.tensor1d([1, 0])));
        expect(maxDiff(a.output, b.output)).toBeLessThan(1e-7);
      });
      expectNoLeak(() => {
        const st = core.initialState(B);
        const x0 = tf.zeros([B, F]) as tf.Tensor2D;
        const r = core.step(x0, st, [0, 1]);
        tf.dispose([x0, ...st, r.output, ...r.state]);
      });
      [xs, ...s0].forEach((t) => t.dispose());
      core.dispose();
    });
  }

  it('truncated BPTT: gradients flow through a segment, state carries across segments', () => {
    const core = new RecurrentCore({ kind: 'lstm', inputSize: F, units: U, seed: 1 });
    const xs = input([B, T, F], 9) as tf.Tensor3D;
    // d(last output)/d(first input) is nonzero: the gradient went back through all steps.
    const g = tf.grad((x: tf.Tensor) => {
      const r = core.sequence(x as tf.Tensor3D, core.initialState(B));
      return tf.sum(tf.slice(r.outputs, [0, T - 1, 0], [B, 1, U]));
    })(xs);
    const first = tf.tidy(() => tf.norm(tf.slice(g, [0, 0, 0], [B, 1, F])).dataSync()[0]!);
    expect(first).toBeGreaterThan(1e-6);
    g.dispose();

    // Two segments with the kept (detached) state equal one long segment.
    const whole = core.sequence(xs, core.initialState(B));
    let carried: tf.Tensor2D[] = [];
    const seg1 = tf.variableGrads(() => {
      const r = core.sequence(tf.slice(xs, [0, 0, 0], [B, 3, F]) as tf.Tensor3D, core.initialState(B));
      carried = core.keepState(r.state);
      return tf.sum(r.outputs) as tf.Scalar;
    }, core.variables);
    expect(Object.keys(seg1.grads).length).toBe(3);
    const seg2 = core.sequence(tf.slice(xs, [0, 3, 0], [B, 3, F]) as tf.Tensor3D, carried);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(seg2.outputs, tf.slice(whole.outputs, [0, 3, 0], [B, 3, U])))).dataSync()[0]!)).toBeLessThan(1e-6);
    tf.dispose([seg1.value, ...Object.values(seg1.grads), ...carried, seg2.outputs, ...seg2.state, whole.outputs, ...whole.state, xs]);

    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(core.sequence(tf.ones([B, 4, F]) as tf.Tensor3D, core.initialState(B)).outputs) as tf.Scalar, core.variables);
      tf.dispose([value, ...Object.values(grads)]);
    });
    core.dispose();
  });

  it('rejects bad shapes and rebuilds from its model', () => {
    const core = new RecurrentCore({ kind: 'gru', inputSize: F, units: U });
    const st = core.initialState(2);
    expect(() => core.step(tf.zeros([2, F + 1]) as tf.Tensor2D, st)).toThrow(/input must be \[batch, 3\]/);
    expect(() => core.step(tf.zeros([3, F]) as tf.Tensor2D, st)).toThrow(/state tensors must be \[3, 5\]/);
    expect(() => core.step(tf.zeros([2, F]) as tf.Tensor2D, st, [1, 0, 0])).toThrow(/reset mask has 3 entries/);
    expect(() => new RecurrentCore({ kind: 'rnn' as RecurrentKind, inputSize: 2 })).toThrow(/unknown kind/);
    const again = RecurrentCore.fromModel(core.model);
    expect([again.kind, again.inputSize, again.units]).toEqual(['gru', F, U]);
    tf.dispose(st);
    core.dispose();
  });
});

describe('encoders, heads and weight plumbing', () => {
  it('makeEncoder builds every named encoder to a [batch, features] output', () => {
    const specs: EncoderSpec[] = [
      { name: 'mlp', config: { inputSize: 4, hiddenSizes: [8] } },
      { name: 'natureCnn' },
      { name: 'minatarCnn', config: { channels: 6 } },
      { name: 'impala', config: { inputShape: [16, 16, 3] } },
      { name: 'vgg', config: { inputShape: [16, 16, 3], stages: 2 } },
      { name: 'inception' },
      { name: 'resnet', config: { inputShape: [8, 8, 3] } },
    ];
    for (const spec of specs) {
      const m = makeEncoder(spec);
      expect(m.outputs[0]!.shape.length).toBe(2);
      m.dispose();
    }
    const own = mlp({ inputSize: 3, outputSize: 2 });
    expect(makeEncoder(own)).toBe(own);
    own.dispose();
    expect(() => makeEncoder({ name: 'alexnet' } as unknown as EncoderSpec)).toThrow(/unknown encoder 'alexnet'/);
  });

  it('heads attached to one encoder share its weights; freeze excludes them from training', () => {
    const enc = makeEncoder({ name: 'mlp', config: { inputSize: 4, hiddenSizes: [8] } });
    const actor = attachHead(enc, categoricalPolicyHead({ numActions: 3 }));
    const critic = attachHead(enc, valueHead());
    const encVars = new Set(vars(enc).map((v) => v.id));
    expect(vars(actor).filter((v) => encVars.has(v.id)).length).toBe(2);
    expect(vars(critic).filter((v) => encVars.has(v.id)).length).toBe(2);

    freeze(enc);
    expect(vars(actor).length).toBe(2);
    const before = enc.getWeights().map((w) => w.dataSync().slice());
    const opt = tf.train.sgd(0.1);
    const x = input([5, 4]);
    const cost = opt.minimize(() => tf.sum(tf.square(actor.apply(x) as tf.Tensor)) as tf.Scalar, true);
    cost?.dispose();
    enc.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i]!)));
    unfreeze(enc);
    expect(vars(actor).length).toBe(4);
    const net = buildNet({ encoder: { name: 'mlp', config: { inputSize: 4, hiddenSizes: [8] } }, head: { name: 'gaussian', config: { actionSize: 2 } } });
    expect(net.outputs.length).toBe(2);
    // Each model disposes on its own; the shared weights live until the last user goes.
    actor.dispose();
    expect(shapeOf(critic, x)).toEqual([5, 1]);
    critic.dispose();
    expect(shapeOf(enc, x)).toEqual([5, 8]);
    enc.dispose();
    expect(() => enc.weights[0]!.read()).toThrow(/disposed/);
    [x, net].forEach((t) => t.dispose());
    opt.dispose();
  });

  it('copyWeights makes identical outputs; polyakUpdate mixes by tau; neither leaks', () => {
    const src = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 1 });
    const dst = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 2 });
    const x = input([3, 4]);
    const out = (m: tf.LayersModel) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));
    expect(out(dst)).not.toEqual(out(src));
    const s0 = src.getWeights().map((w) => w.dataSync().slice());
    const d0 = dst.getWeights().map((w) => w.dataSync().slice());
    polyakUpdate(src, dst, 0.25);
    dst.getWeights().forEach((w, i) => {
      const got = w.dataSync();
      got.forEach((v, j) => expect(v).toBeCloseTo(0.25 * s0[i]![j]! + 0.75 * d0[i]![j]!, 6));
    });
    copyWeights(src, dst);
    expect(out(dst)).toEqual(out(src));
    expectNoLeak(() => {
      polyakUpdate(src, dst, 0.005);
      copyWeights(src, dst);
    });
    const other = mlp({ inputSize: 4, hiddenSizes: [9], outputSize: 2 });
    expect(() => copyWeights(src, other)).toThrow(/does not match/);
    expect(() => polyakUpdate(src, dst, 1.5)).toThrow(/tau/);
    [x, src, dst, other].forEach((t) => t.dispose());
  });
});
