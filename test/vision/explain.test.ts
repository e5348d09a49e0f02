import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { selectBackend } from '../../nets/backend.js';
import {
  activationMaps,
  attentionMap,
  colorizeMap,
  deepDream,
  embedBatch,
  firstLayerFilters,
  gramMatrix,
  guidedBackprop,
  invertFeatures,
  lastSpatialConvLayer,
  layerGram,
  liveExplainer,
  maxActivatingPatches,
  nearestNeighbours,
  normalizeMap,
  occlusionMap,
  overlayMap,
  receptiveField,
  sendExplanation,
  vanillaSaliency,
  visualizeTarget,
  type ImageInput,
} from '../../nets/vision/explain/index.js';
import { natureCnn } from '../../nets/modules/natureCnn.js';

const S = 6;
const READ = [
  [1, 2],
  [4, 4],
  [3, 0],
] as const;
const P = [0, 5] as const; // read by the second hidden unit, whose output weight is negative

/**
 * Hand-built: hidden h1 = relu(sum of the READ pixels), h2 = relu(pixel P);
 * output 0 = 2·h1 − h2, output 1 = h2.
 */
function handModel(): tf.LayersModel {
  const input = tf.input({ shape: [S, S, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 2, activation: 'relu', name: 'hand_hidden' });
  const outLayer = tf.layers.dense({ units: 2, name: 'hand_out' });
  const model = tf.model({ inputs: input, outputs: outLayer.apply(hidden.apply(flat)) as tf.SymbolicTensor });
  const w1 = new Float32Array(S * S * 2);
  for (const [y, x] of READ) w1[(y * S + x) * 2] = 1;
  w1[(P[0] * S + P[1]) * 2 + 1] = 1;
  hidden.setWeights([tf.tensor2d(w1, [S * S, 2]), tf.zeros([2])]);
  outLayer.setWeights([tf.tensor2d([2, 0, -1, 1], [2, 2]), tf.zeros([2])]);
  return model;
}

function positiveImage(seed: number, h = S, w = S, c = 1): ImageInput & { data: Float32Array } {
  const rng = new Rng(seed);
  const data = new Float32Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = 0.2 + 0.8 * rng.random();
  return { data, shape: [h, w, c] };
}

function lit(map: { width: number; data: Float32Array }, eps = 1e-6): string[] {
  const out: string[] = [];
  map.data.forEach((v, i) => {
    if (Math.abs(v) > eps) out.push(`${Math.floor(i / map.width)},${i % map.width}`);
  });
  return out.sort();
}

const readSet = READ.map(([y, x]) => `${y},${x}`).sort();

/** A small conv net on 21×21×3 frames (wasm). */
function smallConv(seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [21, 21, 3] });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 1, activation: 'relu', name: 'c2', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: 'q', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('saliency on a hand-built model', () => {
  it('vanilla saliency lights exactly the pixels the model reads, with their weights', () => {
    const m = handModel();
    const img = positiveImage(3);
    const map = vanillaSaliency(m, img, 0);
    expect(lit(map)).toEqual([...readSet, `${P[0]},${P[1]}`].sort());
    for (const [y, x] of READ) expect(map.data[y * S + x]).toBeCloseTo(2, 5);
    expect(map.data[P[0] * S + P[1]]).toBeCloseTo(1, 5);
    // Output 1 reads only P.
    expect(lit(vanillaSaliency(m, img, 1))).toEqual([`${P[0]},${P[1]}`]);
    m.dispose();
  });

  it('guided backprop drops the negatively contributing pixel', () => {
    const m = handModel();
    const img = positiveImage(4);
    const map = guidedBackprop(m, img, 0);
    expect(lit(map)).toEqual(readSet);
    for (const [y, x] of READ) expect(map.data[y * S + x]).toBeCloseTo(2, 5);
    m.dispose();
  });

  it('occlusion with a 1-pixel black patch gives each read pixel its contribution', () => {
    const m = handModel();
    const img = positiveImage(5);
    const map = occlusionMap(m, img, 0, { patch: 1, stride: 1, fill: 0 });
    expect(lit(map, 1e-5)).toEqual([...readSet, `${P[0]},${P[1]}`].sort());
    for (const [y, x] of READ) expect(map.data[y * S + x]).toBeCloseTo(2 * img.data[y * S + x]!, 4);
    // Hiding P raises output 0: a negative drop.
    expect(map.data[P[0] * S + P[1]]).toBeCloseTo(-img.data[P[0] * S + P[1]]!, 4);
    m.dispose();
  });

  it('a 2×2 occluder spreads each drop over the pixels it covers', () => {
    const m = handModel();
    const img = positiveImage(6);
    const map = occlusionMap(m, img, 1, { patch: 2, stride: 2, fill: 0 });
    // Output 1 = pixel P = (0, 5): only the patch rows 0–1, cols 4–5 changes it.
    expect(lit(map, 1e-5)).toEqual(['0,4', '0,5', '1,4', '1,5']);
    expect(map.data[1 * S + 4]).toBeCloseTo(img.data[P[0] * S + P[1]]!, 4);
    m.dispose();
  });
});

describe('maps as images', () => {
  it('colorizeMap maps the minimum to the dark end and the maximum to the bright end', () => {
    const f = colorizeMap({ width: 2, height: 1, data: Float32Array.from([-3, 5]) });
    expect(Array.from(f.data.subarray(0, 3))).toEqual([0, 0, 4]);
    expect(Array.from(f.data.subarray(3, 6))).toEqual([252, 255, 164]);
    const frame = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 10, 20, 30]) };
    const o = overlayMap(frame, { width: 2, height: 1, data: Float32Array.from([0, 1]) }, 1);
    expect(Array.from(o.data.subarray(0, 3))).toEqual([10, 20, 30]);
    expect(Array.from(o.data.subarray(3, 6))).toEqual([252, 255, 164]);
  });

  it('sendExplanation streams a normalized map of the frame size to an overlay sink', () => {
    const m = handModel();
    const sent: { values: number[]; w: number; h: number }[] = [];
    sendExplanation({ overlay: (values, w, h) => sent.push({ values: Array.from(values), w, h }) }, 'guided', m, positiveImage(7), 0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.w).toBe(S);
    expect(Math.max(...sent[0]!.values)).toBeCloseTo(1, 6);
    expect(sent[0]!.values.filter((v) => v > 0.5)).toHaveLength(READ.length);
    m.dispose();
  });
});

describe('layers: filters, activations, patches, neighbours', () => {
  it('firstLayerFilters renders each filter stretched to its own range', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, useBias: false });
    const m = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
    const k = new Float32Array(3 * 3 * 3 * 2);
    k[((1 * 3 + 1) * 3 + 0) * 2 + 0] = 1; // filter 0: red centre
    k[((0 * 3 + 0) * 3 + 2) * 2 + 1] = -1; // filter 1: everything but the top-left blue is the max
    conv.setWeights([tf.tensor4d(k, [3, 3, 3, 2])]);
    const f = firstLayerFilters(m, 1);
    expect([f.width, f.height]).toEqual([7, 3]);
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3));
    expect(px(1, 1)).toEqual([255, 0, 0]);
    expect(px(0, 0)).toEqual([0, 0, 0]);
    expect(px(4, 0)).toEqual([255, 255, 0]);
    expect(px(5, 1)).toEqual([255, 255, 255]);
    m.dispose();
  });

  it('receptive fields of the Nature CNN are 8, 20, 36 pixels with jumps 4, 8, 8', () => {
    const m = natureCnn({ inputShape: [84, 84, 4], numActions: 3 });
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
    expect(convs.map((n) => receptiveField(m, n).x.size)).toEqual([8, 20, 36]);
    expect(convs.map((n) => receptiveField(m, n).y.jump)).toEqual([4, 8, 8]);
    m.dispose();
  });

  it('maxActivatingPatches finds the bright pixel a centre-reading filter responds to', () => {
    const input = tf.input({ shape: [10, 10, 1] });
    const conv = tf.layers.conv2d({ filters: 1, kernelSize: 3, name: 'centre' });
    const m = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
    const k = new Float32Array(9);
    k[4] = 1;
    conv.setWeights([tf.tensor4d(k, [3, 3, 1, 1]), tf.zeros([1])]);
    const data = new Float32Array(4 * 100).fill(0.1);
    data[2 * 100 + 5 * 10 + 7] = 0.9; // image 2, row 5, col 7
    data[0 * 100 + 2 * 10 + 3] = 0.5;
    const top = maxActivatingPatches(m, 'centre', 0, { data, shape: [4, 10, 10, 1] }, 2, 3);
    expect(top[0]).toMatchObject({ index: 2, y: 4, x: 6, box: { y0: 4, x0: 6, y1: 7, x1: 9 } });
    expect(top[0]!.value).toBeCloseTo(0.9, 5);
    expect(top[1]).toMatchObject({ index: 0, y: 1, x: 2 });
    const maps = activationMaps(m, 'centre', { data: data.subarray(200, 300), shape: [10, 10, 1] });
    expect(maps).toHaveLength(1);
    expect([maps[0]!.width, maps[0]!.height]).toEqual([8, 8]);
    expect(maps[0]!.data[4 * 8 + 6]).toBeCloseTo(0.9, 5);
    m.dispose();
  });

  it('nearest neighbours in feature space rank by L2 distance', () => {
    const feats = Float32Array.from([0, 0, 1, 0, 5, 5, 0.5, 0.1]);
    expect(nearestNeighbours(feats, 2, [0.4, 0], 2).map((r) => r.index)).toEqual([3, 0]);
    expect(nearestNeighbours(feats, 2, [0.4, 0], 2, [3]).map((r) => r.index)).toEqual([0, 1]);
    const m = smallConv();
    const imgs = new Float32Array(3 * 21 * 21 * 3);
    imgs.set(positiveImage(1, 21, 21, 3).data, 0);
    imgs.set(positiveImage(2, 21, 21, 3).data, 21 * 21 * 3);
    imgs.set(positiveImage(1, 21, 21, 3).data, 2 * 21 * 21 * 3);
    const e = embedBatch(m, { data: imgs, shape: [3, 21, 21, 3] }, 'c2');
    expect(e.dim).toBe(8 * 8 * 6); // 21 → 10 (3×3, stride 2) → 8 (3×3)
    const nn = nearestNeighbours(e.data, e.dim, e.data.subarray(0, e.dim), 1, [0]);
    expect(nn[0]!.index).toBe(2);
    expect(nn[0]!.distance).toBeLessThan(1e-5);
    m.dispose();
  });
});

describe('optimizing images (wasm conv net)', () => {
  it('gradient ascent raises the chosen output and a chosen neuron', () => {
    const m = smallConv(3);
    const r = visualizeTarget(m, { kind: 'output', index: 1 }, [21, 21, 3], { steps: 30, seed: 1 });
    expect(r.objective).toHaveLength(31);
    expect(r.objective[30]!).toBeGreaterThan(r.objective[0]! + 0.1);
    expect(r.image.every((v) => v >= 0 && v <= 1)).toBe(true);
    const n = visualizeTarget(m, { kind: 'neuron', layer: 'c2', channel: 0 }, [21, 21, 3], { steps: 30, seed: 2 });
    expect(n.objective[30]!).toBeGreaterThan(n.objective[0]!);
    m.dispose();
  });

  it('DeepDream raises the layer norm; feature inversion lowers its loss', () => {
    const m = smallConv(5);
    const img = positiveImage(9, 21, 21, 3);
    for (let i = 0; i < img.data.length; i++) img.data[i] = img.data[i]! * 0.5;
    const d = deepDream(m, 'c1', img, { steps: 10 });
    expect(d.objective[10]!).toBeGreaterThan(d.objective[0]!);
    const inv = invertFeatures(m, 'c1', img, { steps: 40, seed: 3 });
    expect(inv.objective[40]!).toBeLessThan(inv.objective[0]! * 0.7);
    m.dispose();
  });

  it('keeps the tensor count stable over repeated explanations', () => {
    const m = smallConv(7);
    const img = positiveImage(11, 21, 21, 3);
    const live = liveExplainer(m, 'guided');
    const once = () => {
      vanillaSaliency(m, img, 0);
      guidedBackprop(m, img, 2);
      occlusionMap(m, img, 1, { patch: 5, stride: 4 });
      activationMaps(m, 'c2', img);
      layerGram(m, 'c1', img);
      visualizeTarget(m, { kind: 'output', index: 0 }, [21, 21, 3], { steps: 2 });
      invertFeatures(m, 'c2', img, { steps: 2 });
      attentionMap(m, img);
      live(img.data, null);
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

describe('activation attention', () => {
  it('a 1×1 identity conv gives the squared image; a deeper layer gives Σ_c a_c² stretched to the input', () => {
    const input = tf.input({ shape: [4, 5, 1] });
    const conv = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false, name: 'id' });
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(conv.apply(input) as tf.SymbolicTensor)) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    conv.setWeights([tf.ones([1, 1, 1, 1])]);
    const img = positiveImage(5, 4, 5, 1);
    const a = attentionMap(m, img);
    expect([a.width, a.height]).toEqual([5, 4]);
    a.data.forEach((v, i) => expect(v).toBeCloseTo(img.data[i]! ** 2, 5));
    m.dispose();

    const s = smallConv(3);
    expect(lastSpatialConvLayer(s)).toBe('c2');
    const x = positiveImage(9, 21, 21, 3);
    const maps = activationMaps(s, 'c2', x); // 6 maps of 8×8
    const att = attentionMap(s, x);
    expect([att.width, att.height]).toEqual([21, 21]);
    for (const [y, xx] of [[0, 0], [10, 13], [20, 20]] as const) {
      const cy = Math.floor((y * 8) / 21);
      const cx = Math.floor((xx * 8) / 21);
      const want = maps.reduce((acc, mp) => acc + mp.data[cy * 8 + cx]! ** 2, 0);
      expect(att.data[y * 21 + xx]!).toBeCloseTo(want, 4);
    }
    expect(() => attentionMap(s, x, { power: 0 })).toThrow(/power/);
    expect(() => attentionMap(handModel(), positiveImage(1))).toThrow(/no conv layer/);
    s.dispose();
  });

  it("liveExplainer explains the given target, or the model's largest output when none is given", () => {
    const m = smallConv(4);
    const img = positiveImage(12, 21, 21, 3);
    const live = liveExplainer(m, 'saliency');
    const logits = tf.tidy(() => (m.predict(tf.tensor4d(img.data, [1, 21, 21, 3])) as tf.Tensor).dataSync());
    const best = logits.indexOf(Math.max(...logits));
    const other = (best + 1) % 3;
    expect(Array.from(live(img.data, null).data)).toEqual(Array.from(normalizeMap(vanillaSaliency(m, img, best)).data));
    expect(Array.from(live(img.data, other).data)).toEqual(Array.from(normalizeMap(vanillaSaliency(m, img, other)).data));
    expect(() => live(img.data.subarray(1), 0)).toThrow(/values for shape/);
    expect(() => liveExplainer(m, 'filters' as 'saliency')).toThrow(/method/);
    expect(() => liveExplainer(handModel(), 'saliency')).not.toThrow();
    m.dispose();
  });
});

describe('Gram matrices', () => {
  it('match a hand computation', () => {
    const f = [
      [1, 2, 0],
      [0, 1, 3],
      [2, -1, 1],
      [4, 0, -2],
    ]; // 2×2 positions × 3 channels
    const g = gramMatrix(tf.tensor3d(f.flat(), [2, 2, 3]));
    const got = g.arraySync();
    g.dispose();
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let s = 0;
        for (const row of f) s += row[a]! * row[b]!;
        expect(got[a]![b]!).toBeCloseTo(s / 4, 5);
      }
    expect(got[0]![0]).toBeCloseTo((1 + 0 + 4 + 16) / 4, 5);
  });
});

describe('pixelgym explain (saved DQN agent on Catch)', () => {
  it('writes overlaid frames as PNGs and a GIF, and the filters image', async () => {
    const { mkdtempSync, readFileSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { PNG } = await import('pngjs');
    const { make } = await import('../../envs/index.js');
    const { applyPreprocess, DqnAgent, getPreset } = await import('../../agents/index.js');
    const { runExplain } = await import('../../play/commands/explain.js');
    const preset = getPreset('dqn', 'catch').config as NonNullable<ConstructorParameters<typeof DqnAgent>[1]>;
    const env = applyPreprocess(make('Catch-v0'), preset.preprocess!);
    const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace, id: 'Catch-v0' }, preset, 0);
    const dir = mkdtempSync(join(tmpdir(), 'pixelgym-explain-'));
    await agent.save(join(dir, 'agent'));
    agent.dispose();
    const files = await runExplain(join(dir, 'agent'), { method: 'saliency', maxSteps: 4, out: join(dir, 'maps'), gif: join(dir, 'sal.gif') });
    expect(files).toHaveLength(5);
    const png = PNG.sync.read(readFileSync(files[0]!));
    expect(png.width).toBeGreaterThanOrEqual(84);
    expect(existsSync(join(dir, 'sal.gif'))).toBe(true);
    expect(readFileSync(join(dir, 'sal.gif')).subarray(0, 6).toString()).toBe('GIF89a');
    const f = await runExplain(join(dir, 'agent'), { method: 'filters', out: join(dir, 'maps') });
    expect(PNG.sync.read(readFileSync(f[0]!)).width).toBe(3 * 3 * 8 + 2); // 8 one-channel 3×3 filters at ×8 in 3 columns, 1-pixel gaps
    await expect(runExplain(join(dir, 'agent'), { method: 'nope' as 'saliency' })).rejects.toThrow(/--method/);
  }, 60_000);
});

describe('pixelgym explain for policy agents (a2c, reinforce on Catch pixels)', () => {
  const catchPixels = { grayscale: true, resize: [20, 10], frameSkip: 1, frameStack: 1, clipReward: false };
  const smallCnn = { type: 'smallCnn', filters: [4], kernelSizes: [2], strides: [2], hidden: 16 };

  it.each([
    ['a2c', { numEnvs: 2, nSteps: 5 }],
    ['reinforce', {}],
  ] as const)('%s: the logits model matches the agent, and explain writes its saliency frames', async (algo, extra) => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { PNG } = await import('pngjs');
    const { train } = await import('../../agents/index.js');
    const { agentModel, runExplain } = await import('../../play/commands/explain.js');
    const { loadRun } = await import('../../play/commands/eval.js');
    const dir = mkdtempSync(join(tmpdir(), `pixelgym-explain-${algo}-`));
    const r = await train({
      algo,
      env: 'Catch-v0',
      config: { ...extra, network: smallCnn, preprocess: catchPixels, optimizer: { type: 'adam', learningRate: 1e-3 } },
      totalSteps: 60,
      evalEvery: 0,
      checkpointEvery: 0,
      seed: 2,
      out: dir,
      backend: 'wasm',
    });
    r.agent.dispose?.();

    const run = await loadRun(dir);
    const env = await run.makeEnv();
    try {
      const model = agentModel(run.agent);
      expect(agentModel(run.agent)).toBe(model); // cached: no new graph per call
      expect(model.inputs[0]!.shape.slice(1)).toEqual(env.observationSpace.shape);
      expect(model.outputs[0]!.shape[1]).toBe(3);
      // The derived model is the agent's policy: its softmax is the agent's own probabilities.
      const explainer = run.agent as unknown as { explain(o: unknown): { action: number; probs: Float32Array } };
      let obs = env.reset({ seed: 4 }).observation as Uint8Array;
      const before = tf.memory().numTensors;
      for (let t = 0; t < 3; t++) {
        const probs = tf.tidy(() => tf.softmax(model.predict(tf.tensor(obs, [1, ...env.observationSpace.shape])) as tf.Tensor).dataSync());
        const ex = explainer.explain(obs);
        Array.from(ex.probs).forEach((p, i) => expect(probs[i]!).toBeCloseTo(p, 5));
        // Its saliency is non-zero (the gradient reaches the pixels through the policy head only).
        const sal = vanillaSaliency(model, { data: obs, shape: env.observationSpace.shape as [number, number, number] }, ex.action);
        expect(Math.max(...sal.data)).toBeGreaterThan(0);
        obs = env.step(ex.action).observation as Uint8Array;
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      env.close();
      run.agent.dispose?.();
    }

    const files = await runExplain(dir, { method: 'saliency', maxSteps: 3, out: join(dir, 'maps') });
    expect(files).toHaveLength(3);
    expect(PNG.sync.read(readFileSync(files[0]!)).width).toBeGreaterThanOrEqual(84);
    const att = await runExplain(dir, { method: 'attention', maxSteps: 2, out: join(dir, 'att') });
    expect(att).toHaveLength(2);
  }, 120_000);

  it('refuses recurrent and Gaussian policies with a clear error', async () => {
    const { make } = await import('../../envs/index.js');
    const { A2cAgent, applyPreprocess } = await import('../../agents/index.js');
    const { agentModel } = await import('../../play/commands/explain.js');
    const env = applyPreprocess(make('Catch-v0'), catchPixels as never);
    const spaces = { observationSpace: env.observationSpace, actionSpace: env.actionSpace, id: 'Catch-v0' };
    const recurrent = new A2cAgent(spaces, { numEnvs: 1, network: smallCnn as never, sharedEncoder: true, recurrent: { kind: 'gru', units: 8 } }, 0);
    expect(() => agentModel(recurrent)).toThrow(/recurrent \(gru\).*hidden state/);
    recurrent.dispose();
    const pendulum = make('Pendulum-v1');
    const gaussian = new A2cAgent({ observationSpace: pendulum.observationSpace, actionSpace: pendulum.actionSpace, id: 'Pendulum-v1' }, { numEnvs: 1 }, 0);
    expect(() => agentModel(gaussian)).toThrow(/Gaussian policy/);
    gaussian.dispose();
    expect(() => agentModel({ algo: 'qlearning', act: () => 0, save: async () => {}, load: async () => {} })).toThrow(/supported: dqn, a2c, reinforce/);
    env.close();
    pendulum.close();
  });
});
