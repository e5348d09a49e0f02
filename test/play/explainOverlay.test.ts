// Live explanation overlays in watch mode, without a browser: a seeded agent plays on 127.0.0.1,
// a raw WebSocket client receives the frames and the overlays, and each overlay is checked against
// the explanation computed directly for the frame it carries the seq of.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { A2cAgent, DqnAgent, applyPreprocess, getPreset, loadAgent, type PreprocessSpec } from '../../agents/index.js';
import { make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';
import { attentionMap, normalizeMap, vanillaSaliency, type ImageInput } from '../../nets/vision/explain/index.js';
import { agentModel } from '../../play/commands/explain.js';
import { startWatch } from '../../play/commands/watch.js';
import { OverlaySchedule, startViewer, type ViewerHandle, type ViewerLogger } from '../../play/index.js';
import type { FrameMessage, OverlayMessage, StepMessage } from '../../play/server/protocol.js';
import { RawClient } from './rawClient.js';

const tmp = mkdtempSync(join(tmpdir(), 'pixelgym-overlay-'));
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const quiet: ViewerLogger = { info: () => {}, warn: () => {} };
const catchPixels: PreprocessSpec = { grayscale: true, resize: [20, 10], frameSkip: 1, frameStack: 1, clipReward: false };
let dqnDir = '';
let a2cDir = '';

beforeAll(async () => {
  await selectBackend('wasm');
  const env = applyPreprocess(make('Catch-v0'), catchPixels);
  const spaces = { observationSpace: env.observationSpace, actionSpace: env.actionSpace, id: 'Catch-v0' };
  const preset = getPreset('dqn', 'catch').config as NonNullable<ConstructorParameters<typeof DqnAgent>[1]>;
  const dqn = new DqnAgent(spaces, preset, 5);
  dqnDir = join(tmp, 'dqn');
  await dqn.save(dqnDir);
  dqn.dispose();
  const a2c = new A2cAgent(spaces, { numEnvs: 1, preprocess: catchPixels, network: { type: 'smallCnn', filters: [4], kernelSizes: [2], strides: [2], hidden: 16 } }, 6);
  a2cDir = join(tmp, 'a2c');
  await a2c.save(a2cDir);
  a2c.dispose();
  env.close();
});

async function watched(v: ViewerHandle): Promise<RawClient> {
  open.push(v);
  const c = await RawClient.open(v.url);
  open.push(c);
  return c;
}

const overlaysOf = (c: RawClient): OverlayMessage[] => c.binaries.filter((b): b is OverlayMessage => b.kind === 'overlay');
const framesOf = (c: RawClient): FrameMessage[] => c.binaries.filter((b): b is FrameMessage => b.kind === 'frame');

/** The observation behind a grey frame (the viewer shows a [h, w, 1] uint8 observation as it is). */
function observationOf(f: FrameMessage): Uint8Array {
  const obs = new Uint8Array(f.width * f.height);
  for (let i = 0; i < obs.length; i++) obs[i] = f.rgb[i * 3]!;
  return obs;
}

describe('watch --explain: overlays of the frames shown', () => {
  it("DQN, saliency on every frame: each overlay is the saliency of the agent's chosen action for its frame", async () => {
    const v = await startWatch(dqnDir, { explain: 'saliency', explainEvery: 1, seed: 3, speed: 40, backend: 'wasm' });
    const c = await watched(v);
    await c.waitFor(() => overlaysOf(c).length >= 6, 20_000, 'six overlays');
    const agent = await loadAgent(dqnDir);
    const model = agentModel(agent);
    const [h, w, ch] = model.inputs[0]!.shape.slice(1) as [number, number, number];
    expect(ch).toBe(1);
    const steps = c.steps();
    let checked = 0;
    let moved = 0;
    for (const o of overlaysOf(c).slice(0, 6)) {
      expect([o.width, o.height]).toEqual([w, h]);
      const frame = framesOf(c).find((f) => f.seq === o.seq)!;
      const step = steps.find((s) => s.seq === o.seq) as StepMessage;
      expect(frame).toBeDefined();
      // The overlay follows its own frame on the socket.
      expect(c.binaries.indexOf(frame)).toBeLessThan(c.binaries.indexOf(o));
      const obs = observationOf(frame);
      const image: ImageInput = { data: obs, shape: [h, w, 1] };
      const chosen = agent.act(obs, { explore: false }) as number;
      expect(step.greedyAction).toBe(chosen);
      const want = normalizeMap(vanillaSaliency(model, image, chosen)).data;
      const got = o.values;
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]!).toBeCloseTo(want[i]!, 5);
      expect(Math.max(...got)).toBeCloseTo(1, 5);
      // Saliency of the other actions differs: the map is specific to the action chosen.
      if (Math.max(...normalizeMap(vanillaSaliency(model, image, (chosen + 1) % 3)).data.map((x, i) => Math.abs(x - want[i]!))) > 1e-3) moved++;
      checked++;
    }
    expect(checked).toBe(6);
    expect(moved).toBeGreaterThan(0);
    const st = v.stats();
    expect(st.overlaysComputed).toBeGreaterThanOrEqual(6);
    expect(st.overlaysSent).toBeGreaterThanOrEqual(6);
    expect(st.overlayMeanMs).toBeGreaterThan(0);
    agent.dispose?.();
  }, 60_000);

  it('A2C, attention every 2nd frame: overlays on alternate frames, equal to the attention map of that frame', async () => {
    const v = await startWatch(a2cDir, { explain: 'attention', explainEvery: 2, seed: 1, speed: 40, backend: 'wasm' });
    const c = await watched(v);
    await c.waitFor(() => overlaysOf(c).length >= 5, 20_000, 'five overlays');
    const seqs = overlaysOf(c).map((o) => o.seq);
    // The first overlay may be the one a newly connected page gets for the state it is shown.
    for (let i = 2; i < seqs.length; i++) expect(seqs[i]! - seqs[i - 1]!).toBe(2);
    const agent = await loadAgent(a2cDir);
    const model = agentModel(agent);
    const [h, w] = model.inputs[0]!.shape.slice(1) as [number, number, number];
    for (const o of overlaysOf(c).slice(0, 5)) {
      const frame = framesOf(c).find((f) => f.seq === o.seq)!;
      const want = normalizeMap(attentionMap(model, { data: observationOf(frame), shape: [h, w, 1] })).data;
      expect([o.width, o.height]).toEqual([w, h]);
      for (let i = 0; i < want.length; i++) expect(o.values[i]!).toBeCloseTo(want[i]!, 5);
    }
    agent.dispose?.();
  }, 60_000);

  it('bad options fail before anything starts', async () => {
    await expect(startWatch(dqnDir, { explain: 'filters' as 'saliency' })).rejects.toThrow(/--explain must be one of saliency, guided, occlusion, attention/);
    await expect(startWatch(dqnDir, { explainEvery: 2 })).rejects.toThrow(/--explain-every needs --explain/);
    await expect(startWatch(undefined, { env: 'Catch-v0', explain: 'saliency' })).rejects.toThrow(/needs a trained agent/);
    const env = make('Catch-v0');
    await expect(startViewer({ env, logger: quiet, overlay: 5 as never })).rejects.toThrow(/overlay must be a function/);
    await expect(startViewer({ env, logger: quiet, overlay: () => null, overlayEvery: 0 })).rejects.toThrow(/overlayEvery/);
    await expect(startViewer({ env, logger: quiet, overlayEvery: 3 })).rejects.toThrow(/needs an overlay function/);
  });
});

describe('startViewer overlay option', () => {
  it('a failing overlay function is reported once and switched off; frames go on', async () => {
    const warnings: string[] = [];
    let calls = 0;
    const v = await startViewer({
      env: make('Catch-v0'),
      seed: 0,
      stepsPerSecond: 60,
      logger: { info: () => {}, warn: (m) => warnings.push(m) },
      overlay: () => {
        calls++;
        throw new Error('no model');
      },
      overlayEvery: 1,
    });
    const c = await watched(v);
    await c.waitFor(() => framesOf(c).length >= 8, 10_000, 'eight frames');
    expect(calls).toBe(1);
    expect(overlaysOf(c)).toHaveLength(0);
    expect(warnings.filter((m) => /overlay function failed.*no model/.test(m))).toHaveLength(1);
  });

  it("a map of the wrong size is refused by the server's encoder, never sent", async () => {
    const warnings: string[] = [];
    const v = await startViewer({
      env: make('Catch-v0'),
      seed: 0,
      stepsPerSecond: 60,
      logger: { info: () => {}, warn: (m) => warnings.push(m) },
      overlay: () => ({ width: 4, height: 4, data: new Float32Array(15) }),
    });
    const c = await watched(v);
    await c.waitFor(() => framesOf(c).length >= 4, 10_000, 'four frames');
    expect(overlaysOf(c)).toHaveLength(0);
    expect(warnings.some((m) => /16 values, got 15/.test(m))).toBe(true);
  });

  it('keeps the tensor count stable while explaining live', async () => {
    const v = await startWatch(dqnDir, { explain: 'occlusion', explainEvery: 1, seed: 2, speed: 40, backend: 'wasm' });
    const c = await watched(v);
    await c.waitFor(() => overlaysOf(c).length >= 2, 20_000, 'two overlays');
    const before = tf.memory().numTensors;
    const n = overlaysOf(c).length;
    await c.waitFor(() => overlaysOf(c).length >= n + 4, 20_000, 'four more overlays');
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

describe('OverlaySchedule', () => {
  it('every k: the first frame, then every k-th', () => {
    const s = new OverlaySchedule(3);
    expect(Array.from({ length: 8 }, (_, i) => s.due(i))).toEqual([true, false, false, true, false, false, true, false]);
  });

  it("auto: waits cost / share after each overlay (half the wall time at most)", () => {
    const s = new OverlaySchedule('auto');
    expect(s.due(0)).toBe(true);
    s.spent(0, 30);
    expect(s.due(45)).toBe(false);
    expect(s.due(60)).toBe(true);
    s.spent(60, 62);
    expect(s.due(63)).toBe(false);
    expect(s.due(64)).toBe(true);
    expect(s.meanMs).toBe(16);
    expect(() => new OverlaySchedule(0)).toThrow(/overlayEvery/);
    expect(() => new OverlaySchedule(1.5)).toThrow(/overlayEvery/);
  });
});
