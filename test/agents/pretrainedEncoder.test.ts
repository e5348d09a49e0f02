// Pretrained encoders inside agents (network: { type: 'pretrained', source, freeze }): DQN, A2C and
// REINFORCE build their heads on a copy of a user's model or of a saved one, frozen or fine-tuned;
// gradient clipping with frozen variables; saving, loading and resuming; clear shape errors.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2cAgent } from '../../agents/a2c.js';
import { DqnAgent } from '../../agents/dqn.js';
import { loadAgent } from '../../agents/registry.js';
import { ReinforceAgent } from '../../agents/reinforce.js';
import { createRun, resumeTraining } from '../../agents/train.js';
import { make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';
import { saveModel } from '../../nets/io.js';
import { applyGradients, clipByGlobalNorm } from '../../nets/optim/clip.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pixelgym-pretrained-'));
// Catch at 2 pixels a cell, RGB: small frames, so conv training stays quick on wasm.
const FRAME = { width: 10, height: 20 };
const CATCH = { env: 'Catch-v0', envKwargs: { obsType: 'rgb', ...FRAME } } as const;
const RAW = { grayscale: false, resize: null, frameSkip: 1, frameStack: 1, clipReward: false };

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A small conv encoder (frames in [0, 1] → 16 features), standing in for a pretrained one. */
function smallEncoder(seed: number, shape: number[] = [FRAME.height, FRAME.width, 3]): tf.LayersModel {
  const input = tf.input({ shape });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input);
  const flat = tf.layers.flatten().apply(conv);
  const features = tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: features });
}

function snapshot(vars: readonly tf.LayerVariable[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.read().dataSync()));
}

function same(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => v === b[i]![j]));
}

/** The weights of the nested encoder copies inside `model`. */
function encoderWeights(model: tf.LayersModel): tf.LayerVariable[] {
  return model.layers.filter((l): l is tf.LayersModel => l instanceof tf.LayersModel).flatMap((m) => m.weights);
}

function headWeights(model: tf.LayersModel): tf.LayerVariable[] {
  const enc = new Set(encoderWeights(model));
  return model.weights.filter((w) => !enc.has(w));
}

function dqnRun(source: tf.LayersModel | string, freeze: boolean, extra: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) {
  return createRun({
    algo: 'dqn',
    preset: 'catch',
    ...CATCH,
    backend: 'wasm',
    seed: 1,
    totalSteps: 300,
    evalEvery: 0,
    checkpointEvery: 0,
    config: { network: { type: 'pretrained', source, freeze }, preprocess: RAW, learningStarts: 100, maxGradNorm: 10, ...extra },
    ...opts,
  });
}

describe('gradient clipping with frozen variables', () => {
  it('clips and applies only the gradients that exist; frozen variables stay as they are', () => {
    const a = tf.variable(tf.tensor1d([3, 4]), true, 'clipTestTrainable');
    const b = tf.variable(tf.tensor1d([1, 1]), false, 'clipTestFrozen');
    const opt = tf.train.sgd(1);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.add(tf.sum(tf.mul(a, a)), tf.sum(tf.mul(b, b))) as tf.Scalar, [a, b]);
    // tfjs names the frozen variable with a null gradient: the case that used to throw.
    expect(grads['clipTestFrozen']).toBeNull();
    const clipped = clipByGlobalNorm(grads, 1);
    expect(clipped.norm).toBeCloseTo(10, 4); // |2a| = |(6, 8)|
    expect(clipped.grads['clipTestFrozen']).toBeNull();
    const scaled = clipped.grads['clipTestTrainable']!.dataSync();
    expect(scaled[0]).toBeCloseTo(0.6, 4);
    expect(scaled[1]).toBeCloseTo(0.8, 4);
    tf.dispose(clipped.grads['clipTestTrainable']);
    const r = applyGradients(opt, grads, { maxGradNorm: 1 });
    expect(r.gradNorm).toBeCloseTo(10, 4);
    expect(Array.from(a.dataSync()).map((v) => +v.toFixed(4))).toEqual([2.4, 3.2]);
    expect(Array.from(b.dataSync())).toEqual([1, 1]);
    expect(applyGradients(opt, grads, { measureNorm: true }).gradNorm).toBeCloseTo(10, 4);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
    opt.dispose();
  });
});

describe('DQN on a pretrained encoder', () => {
  it('frozen: the encoder copies never change while the Q head learns, with clipping on; the source is untouched', async () => {
    const source = smallEncoder(1);
    const sourceBefore = snapshot(source.weights);
    const run = await dqnRun(source, true, {}, { logEvery: 50 });
    const agent = run.agent as DqnAgent;
    const enc = encoderWeights(agent.online);
    const targetEnc = encoderWeights(agent.target);
    expect(enc.length).toBe(4);
    // Each net has its own copy, holding the source's weights.
    expect(enc.some((w) => targetEnc.includes(w))).toBe(false);
    expect(same(snapshot(enc), sourceBefore)).toBe(true);
    expect(same(snapshot(targetEnc), sourceBefore)).toBe(true);
    expect(agent.online.trainableWeights.some((w) => enc.includes(w))).toBe(false);
    const head = headWeights(agent.online);
    const headBefore = snapshot(head);
    let gradNorms = 0;
    run.metrics$.subscribe((m) => {
      const norm = m['gradNorm'];
      if (m.kind === 'train' && typeof norm === 'number' && norm > 0 && Number.isFinite(norm)) gradNorms++;
    });
    const result = await run.start();
    expect(result.steps).toBe(300);
    expect(agent.updates).toBeGreaterThanOrEqual(40);
    expect(gradNorms).toBeGreaterThan(0);
    expect(same(snapshot(enc), sourceBefore)).toBe(true);
    expect(same(snapshot(encoderWeights(agent.target)), sourceBefore)).toBe(true);
    expect(same(snapshot(head), headBefore)).toBe(false);
    expect(same(snapshot(source.weights), sourceBefore)).toBe(true);
    expect(source.trainableWeights.length).toBe(source.weights.length);
    agent.dispose();
    source.dispose();
  }, 300_000);

  it('fine-tuned: the encoder starts from the source weights and changes; the source does not', async () => {
    const source = smallEncoder(2);
    const sourceBefore = snapshot(source.weights);
    const run = await dqnRun(source, false);
    const agent = run.agent as DqnAgent;
    const enc = encoderWeights(agent.online);
    expect(same(snapshot(enc), sourceBefore)).toBe(true);
    expect(agent.online.trainableWeights.length).toBe(agent.online.weights.length);
    await run.start();
    expect(same(snapshot(enc), sourceBefore)).toBe(false);
    expect(same(snapshot(source.weights), sourceBefore)).toBe(true);
    agent.dispose();
    source.dispose();
  }, 300_000);

  it('takes a saved model directory; save, loadAgent and resume keep the encoder and its frozen state', async () => {
    const source = smallEncoder(3);
    const dir = join(tmp(), 'encoder');
    await saveModel(source, dir);
    const pretrained = snapshot(source.weights);
    source.dispose();
    const out = tmp();
    const controller = new AbortController();
    const run = await dqnRun(dir, true, {}, { out, totalSteps: 400, checkpointEvery: 200, signal: controller.signal });
    run.steps$.subscribe((s) => {
      if (s.globalStep >= 250) controller.abort();
    });
    const partial = await run.start();
    expect(partial.aborted).toBe(true);
    partial.agent.dispose?.();
    // The run directory holds its own copy of the encoder, so resuming does not need `dir`.
    expect(existsSync(join(out, 'encoder-network', 'model.json'))).toBe(true);
    const resumed = await resumeTraining(out);
    expect(resumed.steps).toBe(400);
    const agent = resumed.agent as DqnAgent;
    expect(same(snapshot(encoderWeights(agent.online)), pretrained)).toBe(true);
    const saved = join(tmp(), 'agent');
    await agent.save(saved);
    const loaded = (await loadAgent(saved)) as DqnAgent;
    expect(loaded.online.trainableWeights.length).toBe(agent.online.trainableWeights.length);
    expect(same(snapshot(loaded.online.weights), snapshot(agent.online.weights))).toBe(true);
    const obs = make('Catch-v0', { obsType: 'rgb', ...FRAME }).reset({ seed: 4 }).observation;
    expect(Array.from(loaded.qValues(obs))).toEqual(Array.from(agent.qValues(obs)));
    loaded.dispose();
    agent.dispose();
  }, 300_000);

  it('an encoder whose input does not fit the observations is a clear error before training', async () => {
    const wrong = smallEncoder(4, [21, 21, 3]);
    await expect(dqnRun(wrong, true)).rejects.toThrow(/takes inputs \[21, 21, 3\], but the observations are \[20, 10, 3\]/);
    await expect(dqnRun(join(tmp(), 'missing'), true)).rejects.toThrow(/cannot load the pretrained encoder/);
    await expect(dqnRun(wrong, 'yes' as unknown as boolean)).rejects.toThrow(/freeze must be true or false/);
    expect(wrong.trainableWeights.length).toBe(wrong.weights.length);
    wrong.dispose();
  });

  it('takes a tf.Sequential encoder whose output is a feature map (flattened), built directly from a config', () => {
    const seq = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [FRAME.height, FRAME.width, 3], filters: 2, kernelSize: 3, strides: 2, activation: 'relu' })] });
    const env = make('Catch-v0', { obsType: 'rgb', ...FRAME });
    const info = { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
    const before = tf.memory().numTensors;
    const agent = new DqnAgent(info, { network: { type: 'pretrained', source: seq, freeze: true } }, 0);
    expect(agent.online.trainableWeights.map((w) => w.shape)).toEqual([[9 * 4 * 2, 3], [3]]);
    const q = agent.qValues(env.reset({ seed: 1 }).observation);
    expect(q.length).toBe(3);
    expect(Array.from(q).every(Number.isFinite)).toBe(true);
    // A path source must be loaded first; building directly from one is a clear error.
    expect(() => new DqnAgent(info, { network: { type: 'pretrained', source: 'some/dir', freeze: true } }, 0)).toThrow(/not loaded; .*loadEncoderSources/);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(before);
    seq.dispose();
  });

  it('hidden: trainable dense ReLU layers between a frozen encoder and the Q head; kept by save and loadAgent', async () => {
    const source = smallEncoder(6);
    const env = make('Catch-v0', { obsType: 'rgb', ...FRAME });
    const info = { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
    const agent = new DqnAgent(info, { network: { type: 'pretrained', source, freeze: true, hidden: [8, 5] } }, 0);
    // Encoder (16 features) frozen; two hidden layers and the Q head (3 actions) trainable.
    expect(agent.online.trainableWeights.map((w) => w.shape)).toEqual([[16, 8], [8], [8, 5], [5], [5, 3], [3]]);
    expect(agent.target.trainableWeights.length).toBe(6);
    const saved = join(tmp(), 'agent');
    await agent.save(saved);
    const loaded = (await loadAgent(saved)) as DqnAgent;
    expect(loaded.online.trainableWeights.map((w) => w.shape)).toEqual([[16, 8], [8], [8, 5], [5], [5, 3], [3]]);
    const obs = env.reset({ seed: 2 }).observation;
    expect(Array.from(loaded.qValues(obs))).toEqual(Array.from(agent.qValues(obs)));
    for (const bad of [[0], [2.5], 'wide'])
      expect(() => new DqnAgent(info, { network: { type: 'pretrained', source, freeze: true, hidden: bad as unknown as number[] } }, 0)).toThrow(
        /network.hidden must be a list of positive integers/,
      );
    loaded.dispose();
    agent.dispose();
    source.dispose();
  });

  it('leaves no tensors behind once the agent is disposed', async () => {
    const source = smallEncoder(5);
    const before = tf.memory().numTensors;
    const run = await dqnRun(source, true, {}, { totalSteps: 150 });
    const r = await run.start();
    r.agent.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
    source.dispose();
  }, 300_000);
});

describe('policy-gradient agents on a pretrained encoder', () => {
  it('A2C (separate policy and value encoders): frozen copies stay fixed, the heads learn', async () => {
    const source = smallEncoder(6);
    const pretrained = snapshot(source.weights);
    const run = await createRun({
      algo: 'a2c',
      ...CATCH,
      backend: 'wasm',
      seed: 2,
      totalSteps: 400,
      evalEvery: 0,
      checkpointEvery: 0,
      config: { network: { type: 'pretrained', source, freeze: true }, sharedEncoder: false, numEnvs: 4, nSteps: 5, preprocess: RAW, fastAct: false },
    });
    const agent = run.agent as A2cAgent;
    const model = agent.net.trunk;
    const enc = encoderWeights(model);
    expect(enc.length).toBe(8); // two copies: policy and value
    expect(same(snapshot(enc.slice(0, 4)), pretrained)).toBe(true);
    expect(same(snapshot(enc.slice(4)), pretrained)).toBe(true);
    expect(agent.net.variables.length).toBe(model.trainableWeights.length);
    const head = headWeights(model);
    const headBefore = snapshot(head);
    await run.start();
    expect(agent.updates).toBe(20);
    expect(same(snapshot(enc.slice(0, 4)), pretrained)).toBe(true);
    expect(same(snapshot(enc.slice(4)), pretrained)).toBe(true);
    expect(same(snapshot(head), headBefore)).toBe(false);
    // Saved and loaded with the frozen copies in place.
    const dir = tmp();
    await agent.save(dir);
    const loaded = (await loadAgent(dir)) as A2cAgent;
    expect(same(snapshot(loaded.net.trunk.weights), snapshot(model.weights))).toBe(true);
    loaded.dispose();
    agent.dispose();
    source.dispose();
  }, 300_000);

  it('REINFORCE fine-tunes a pretrained policy encoder', async () => {
    const source = smallEncoder(7);
    const pretrained = snapshot(source.weights);
    const run = await createRun({
      algo: 'reinforce',
      ...CATCH,
      backend: 'wasm',
      seed: 3,
      totalSteps: 200,
      evalEvery: 0,
      checkpointEvery: 0,
      config: { network: { type: 'pretrained', source, freeze: false }, baseline: false, episodesPerUpdate: 2, preprocess: RAW, fastAct: false },
    });
    const agent = run.agent as ReinforceAgent;
    const enc = encoderWeights(agent.policy.trunk);
    expect(same(snapshot(enc), pretrained)).toBe(true);
    await run.start();
    expect(agent.updates).toBeGreaterThan(5);
    expect(same(snapshot(enc), pretrained)).toBe(false);
    agent.dispose();
    source.dispose();
  }, 300_000);
});
