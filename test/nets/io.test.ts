import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachHead, inputOf, mlp, qHead, RecurrentCore, spatialAttentionPool, uniqueLayerName } from '../../nets/modules/index.js';
import { buildNet, type NetSpec } from '../../nets/encoders.js';
import { loadModel, loadWeightsInto, saveModel } from '../../nets/io.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'pixelgym-io-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(root, `m${n++}`);

/** Every output of `model` on `x`, as plain arrays. */
function outputs(model: tf.LayersModel, x: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const y = model.predict(x);
    return (Array.isArray(y) ? y : [y]).map((t) => Array.from(t.dataSync()));
  });
}

async function roundTrip(model: tf.LayersModel, x: tf.Tensor): Promise<tf.LayersModel> {
  const dir = freshDir();
  await saveModel(model, dir);
  expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
  const loaded = await loadModel(dir, { expect: model });
  expect(outputs(loaded, x)).toEqual(outputs(model, x));
  expect(loaded.countParams()).toBe(model.countParams());
  return loaded;
}

describe('saveModel / loadModel', () => {
  it('round-trips an mlp, a dueling Q-net, a Gaussian policy and an attention model with identical outputs', async () => {
    const specs: NetSpec[] = [
      { encoder: { name: 'mlp', config: { inputSize: 4, hiddenSizes: [16, 16], outputSize: 2, activation: 'tanh', seed: 3 } } },
      { encoder: { name: 'mlp', config: { inputSize: 4, hiddenSizes: [16], activation: 'leakyRelu', batchNorm: true } }, head: { name: 'duelingQ', config: { numActions: 3, hiddenSizes: [8] } } },
      { encoder: { name: 'mlp', config: { inputSize: 4, hiddenSizes: [8] } }, head: { name: 'gaussian', config: { actionSize: 2, initLogStd: -1 } } },
    ];
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    for (const spec of specs) {
      const m = buildNet(spec);
      const loaded = await roundTrip(m, x);
      m.dispose();
      loaded.dispose();
    }
    const f = inputOf([3, 3, 2]);
    const { pooled, attention } = spatialAttentionPool({ hiddenSize: 4 })(f);
    const att = tf.model({ inputs: f, outputs: [pooled, attention] });
    const img = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 2);
    const loadedAtt = await roundTrip(att, img);
    [x, img, att, loadedAtt].forEach((t) => t.dispose());
  });

  it('round-trips a convolutional net and a recurrent core', async () => {
    const cnn = buildNet({ encoder: { name: 'minatarCnn', config: { channels: 3, size: 5 } }, head: { name: 'q', config: { numActions: 4 } } });
    const img = tf.randomUniform([2, 5, 5, 3], 0, 1, 'float32', 3);
    (await roundTrip(cnn, img)).dispose();
    const core = new RecurrentCore({ kind: 'lstm', inputSize: 3, units: 4, seed: 5 });
    const dir = freshDir();
    await saveModel(core.model, dir);
    const again = RecurrentCore.fromModel(await loadModel(dir));
    const seq = tf.randomNormal([2, 3, 3], 0, 1, 'float32', 4) as tf.Tensor3D;
    const a = core.sequence(seq, core.initialState(2));
    const b = again.sequence(seq, again.initialState(2));
    expect(Array.from(b.outputs.dataSync())).toEqual(Array.from(a.outputs.dataSync()));
    tf.dispose([seq, a.outputs, ...a.state, b.outputs, ...b.state, img]);
    [cnn, core, again].forEach((t) => t.dispose());
  });

  it('a loaded encoder takes a new head without layer-name clashes, and that net saves and loads', async () => {
    const enc = mlp({ inputSize: 4, hiddenSizes: [8] });
    const dir = freshDir();
    await saveModel(enc, dir);
    const loaded = await loadModel(dir);
    const net = attachHead(loaded, qHead({ numActions: 2 }));
    const names = net.weights.map((w) => w.originalName);
    expect(new Set(names).size).toBe(names.length);
    const x = tf.randomNormal([1, 4], 0, 1, 'float32', 5);
    (await roundTrip(net, x)).dispose();
    [x, net, enc].forEach((t) => t.dispose());
  });

  it('names from a file (as another process would have made them) are never handed out again', async () => {
    const enc = mlp({ inputSize: 3, hiddenSizes: [2] });
    const dir = freshDir();
    await saveModel(enc, dir);
    const json = join(dir, 'model.json');
    const layer = enc.layers[1]!.name;
    writeFileSync(json, readFileSync(json, 'utf8').replaceAll(`"${layer}`, `"dense_987654`));
    const loaded = await loadModel(dir);
    expect(loaded.layers[1]!.name).toBe('dense_987654');
    expect(Number(/_(\d+)$/.exec(uniqueLayerName('dense'))![1])).toBeGreaterThan(987654);
    [enc, loaded].forEach((t) => t.dispose());
  });

  it('loadWeightsInto restores weights in place', async () => {
    const a = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 1 });
    const b = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 2 });
    const x = tf.randomNormal([2, 4], 0, 1, 'float32', 6);
    expect(outputs(b, x)).not.toEqual(outputs(a, x));
    const dir = freshDir();
    await saveModel(a, dir);
    const before = tf.memory().numTensors;
    await loadWeightsInto(b, dir);
    expect(tf.memory().numTensors).toBe(before);
    expect(outputs(b, x)).toEqual(outputs(a, x));
    [a, b, x].forEach((t) => t.dispose());
  });
});

describe('load errors', () => {
  it('a shape mismatch names the layer and both shapes', async () => {
    const m = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2 });
    const dir = freshDir();
    await saveModel(m, dir);
    const outLayer = m.layers[m.layers.length - 1]!.name;
    const wrong = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 3 });
    await expect(loadModel(dir, { expect: wrong })).rejects.toThrow(
      new RegExp(`layer '${outLayer}' weight 'kernel': the file has \\[8, 2\\], the expected model's layer '.*' has \\[8, 3\\]`),
    );
    await expect(loadModel(dir, { expect: { encoder: { name: 'mlp', config: { inputSize: 5, hiddenSizes: [8], outputSize: 2 } } } })).rejects.toThrow(
      /the file has \[4, 8\].* has \[5, 8\]/,
    );
    await expect(loadModel(dir, { expect: { name: 'mlp', config: { inputSize: 4, hiddenSizes: [8, 8], outputSize: 2 } } })).rejects.toThrow(
      /shape mismatch|has 4 weights/,
    );
    await expect(loadWeightsInto(wrong, dir)).rejects.toThrow(/\[8, 2\].*\[8, 3\]/);
    const ok = await loadModel(dir, { expect: { name: 'mlp', config: { inputSize: 4, hiddenSizes: [8], outputSize: 2 } } });
    [m, wrong, ok].forEach((t) => t.dispose());
  });

  it('truncated, corrupt and missing files are clear errors', async () => {
    const m = mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2 });
    const dir = freshDir();
    await saveModel(m, dir);
    const weights = join(dir, 'weights.bin');
    const good = readFileSync(weights);

    truncateSync(weights, good.byteLength - 10);
    await expect(loadModel(dir)).rejects.toThrow(/truncated or corrupt: 222 bytes on disk, but model.json lists 4 weights of 232 bytes/);

    const flipped = Buffer.from(good);
    flipped[17] = flipped[17]! ^ 0x40;
    writeFileSync(weights, flipped);
    await expect(loadModel(dir)).rejects.toThrow(/corrupt: SHA-256 differs/);

    writeFileSync(weights, good);
    const json = join(dir, 'model.json');
    const text = readFileSync(json, 'utf8');
    writeFileSync(json, text.slice(0, text.length / 2));
    await expect(loadModel(dir)).rejects.toThrow(/model.json is corrupt \(not JSON/);
    writeFileSync(json, '{"hello": 1}');
    await expect(loadModel(dir)).rejects.toThrow(/not a tfjs layers model/);
    await expect(loadModel(join(root, 'nowhere'))).rejects.toThrow(/cannot read .*model.json/);
    writeFileSync(json, text);
    (await loadModel(dir)).dispose();
    m.dispose();
  });

  it('saving leaves no temp files and overwrites atomically', async () => {
    const a = mlp({ inputSize: 2, hiddenSizes: [3], outputSize: 1, seed: 1 });
    const b = mlp({ inputSize: 2, hiddenSizes: [3], outputSize: 1, seed: 2 });
    const dir = freshDir();
    await saveModel(a, dir);
    await saveModel(b, dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const x = tf.ones([1, 2]);
    const loaded = await loadModel(dir);
    expect(outputs(loaded, x)).toEqual(outputs(b, x));
    [a, b, x, loaded].forEach((t) => t.dispose());
  });
});
