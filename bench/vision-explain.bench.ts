// 1. Milliseconds per frame of each explanation method on an agent-sized network: the Nature CNN
//    (Q-head of 6 actions) on 84×84×4 inputs, wasm back end. Median of REPS calls after one
//    warm-up; gradient-ascent methods are reported per optimization step as well.
// 2. Watch mode with live overlays (startViewer's overlay option, as `pixelgym watch --explain`):
//    frames a second a page is shown, and server CPU ms per frame, with and without an overlay,
//    for DQN on Catch pixels with the preset's small CNN (20×10×1) and with the Nature CNN
//    (84×84×4). The server's loop runs at 60 steps/s (the viewer's send cap) with a WebSocket
//    client acknowledging every step as a page does: without overlays every step is shown, and
//    what an overlay costs shows as frames lost (it is computed on the loop's thread).
//    Configurations alternate round by round so the shared machine's load hits them alike.
// Writes bench/results/vision.json, section 'explain'.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { WebSocket } from 'ws';
import { DqnAgent, applyPreprocess, getPreset, type PreprocessSpec } from '../agents/index.js';
import { make } from '../envs/index.js';
import { Rng } from '../envs/rng.js';
import { selectBackend } from '../nets/backend.js';
import { natureCnn } from '../nets/modules/natureCnn.js';
import {
  activationMaps,
  attentionMap,
  convLayerNames,
  deepDream,
  guidedBackprop,
  invertFeatures,
  layerGram,
  liveExplainer,
  occlusionMap,
  vanillaSaliency,
  visualizeTarget,
  type ImageInput,
  type LiveMethod,
} from '../nets/vision/explain/index.js';
import { agentModel } from '../play/commands/explain.js';
import { silentLogger } from '../play/server/logger.js';
import { startViewer } from '../play/server/viewerServer.js';
import type { OverlayEvery } from '../play/server/overlays.js';
import { median, writeResults } from './util.js';

const REPS = 5;
const STEPS = 5;

function time(fn: () => void): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

export async function main(): Promise<void> {
  const backend = await selectBackend('wasm');
  const model = natureCnn({ inputShape: [84, 84, 4], numActions: 6, seed: 1 });
  const rng = new Rng(0);
  const data = new Float32Array(84 * 84 * 4);
  for (let i = 0; i < data.length; i++) data[i] = rng.random();
  const image: ImageInput = { data, shape: [84, 84, 4] };
  const [c1, , c3] = convLayerNames(model);
  const before = tf.memory().numTensors;
  const ms: Record<string, number> = {
    saliency: time(() => vanillaSaliency(model, image, 0)),
    guidedBackprop: time(() => guidedBackprop(model, image, 0)),
    occlusion_patch12_stride6: time(() => occlusionMap(model, image, 0, { patch: 12, stride: 6 })),
    occlusion_default_patch16_stride8: time(() => occlusionMap(model, image, 0)),
    attention: time(() => attentionMap(model, image)),
    activationMaps: time(() => activationMaps(model, c1!, image)),
    gram_conv3: time(() => layerGram(model, c3!, image)),
    classVisualization_perStep: time(() => visualizeTarget(model, { kind: 'output', index: 0 }, [84, 84, 4], { steps: STEPS })) / STEPS,
    deepDream_perStep: time(() => deepDream(model, c3!, image, { steps: STEPS })) / STEPS,
    featureInversion_perStep: time(() => invertFeatures(model, c3!, image, { steps: STEPS })) / STEPS,
  };
  const leaked = tf.memory().numTensors - before;
  model.dispose();
  for (const [k, v] of Object.entries(ms)) console.log(`${k.padEnd(34)} ${v.toFixed(1)} ms`);
  const watch = await watchRates();
  const path = writeResults('vision.json', 'explain', {
    backend,
    network: 'natureCnn 84x84x4, 6 actions',
    reps: REPS,
    msPerFrame: ms,
    tensorsLeaked: leaked,
    watch,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  });
  console.log(`wrote ${path}`);
}

interface WatchCase {
  net: 'smallCnn' | 'natureCnn';
  method: LiveMethod | null;
  every: OverlayEvery;
}

const WATCH_ROUNDS = 3;
const WATCH_SECONDS = 3;
const WATCH_STEPS_PER_SECOND = 60;

/** A seeded (untrained) DQN on Catch pixels: the preset's small CNN or the Nature CNN on 84×84×4 stacks. */
function catchAgent(net: WatchCase['net']): { agent: DqnAgent; makeEnv: () => ReturnType<typeof make> } {
  const preset = getPreset('dqn', 'catch').config as NonNullable<ConstructorParameters<typeof DqnAgent>[1]>;
  const preprocess: PreprocessSpec =
    net === 'smallCnn' ? preset.preprocess! : { grayscale: true, resize: [84, 84], frameSkip: 1, frameStack: 4, clipReward: false };
  const config = net === 'smallCnn' ? preset : { ...preset, preprocess, network: { type: 'natureCnn' as const } };
  const makeEnv = () => applyPreprocess(make('Catch-v0'), preprocess);
  const env = makeEnv();
  const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace, id: 'Catch-v0' }, config, 0);
  env.close();
  return { agent, makeEnv };
}

/** Frames a client is shown in `seconds` (acknowledging each step as a page does), and the server's CPU ms per frame. */
async function watchRound(agent: DqnAgent, makeEnv: () => ReturnType<typeof make>, c: WatchCase, seconds: number) {
  const env = makeEnv();
  const overlay = c.method ? liveExplainer(agentModel(agent), c.method) : null;
  const viewer = await startViewer({
    env,
    agent,
    seed: 0,
    stepsPerSecond: WATCH_STEPS_PER_SECOND,
    logger: silentLogger,
    ...(overlay ? { overlay, overlayEvery: c.every } : {}),
  });
  const ws = new WebSocket(viewer.url.replace(/^http/, 'ws') + 'ws');
  let frames = 0;
  let overlays = 0;
  let counting = false;
  ws.on('message', (data, isBinary) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (counting && buf[0] === 2) overlays++;
      return;
    }
    const m = JSON.parse(buf.toString('utf8')) as { type: string; seq?: number; frame?: boolean };
    if (m.type === 'step') {
      if (counting && m.frame) frames++;
      ws.send(JSON.stringify({ type: 'ack', seq: m.seq }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, 500)); // warm-up: first frames, tfjs kernels
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = viewer.stats();
  ws.close();
  await viewer.close();
  env.close();
  return { framesPerSecond: frames / wall, overlaysPerSecond: overlays / wall, cpuMsPerFrame: frames > 0 ? (cpu.user + cpu.system) / 1000 / frames : null, overlayMeanMs: stats.overlayMeanMs };
}

async function watchRates(): Promise<Record<string, unknown>> {
  const cases: WatchCase[] = [
    { net: 'smallCnn', method: null, every: 1 },
    { net: 'smallCnn', method: 'saliency', every: 1 },
    { net: 'smallCnn', method: 'attention', every: 1 },
    { net: 'smallCnn', method: 'occlusion', every: 1 },
    { net: 'smallCnn', method: 'saliency', every: 'auto' },
    { net: 'natureCnn', method: null, every: 1 },
    { net: 'natureCnn', method: 'saliency', every: 1 },
    { net: 'natureCnn', method: 'attention', every: 1 },
    { net: 'natureCnn', method: 'occlusion', every: 1 },
    { net: 'natureCnn', method: 'saliency', every: 'auto' },
    { net: 'natureCnn', method: 'occlusion', every: 'auto' },
  ];
  const agents = { smallCnn: catchAgent('smallCnn'), natureCnn: catchAgent('natureCnn') };
  const rounds = new Map<WatchCase, Awaited<ReturnType<typeof watchRound>>[]>();
  for (let r = 0; r < WATCH_ROUNDS; r++)
    for (const c of cases) {
      const a = agents[c.net];
      const res = await watchRound(a.agent, a.makeEnv, c, WATCH_SECONDS);
      (rounds.get(c) ?? rounds.set(c, []).get(c)!).push(res);
      console.log(`round ${r} ${c.net} ${c.method ?? 'none'} every ${c.every}: ${res.framesPerSecond.toFixed(1)} frames/s, ${res.cpuMsPerFrame?.toFixed(2)} CPU ms/frame, overlay ${res.overlayMeanMs.toFixed(1)} ms`);
    }
  for (const a of Object.values(agents)) a.agent.dispose();
  const out: Record<string, unknown> = {};
  for (const c of cases) {
    const rs = rounds.get(c)!;
    out[`${c.net}_${c.method ?? 'none'}_every${c.every}`] = {
      framesPerSecond: Math.round(median(rs.map((x) => x.framesPerSecond)) * 10) / 10,
      overlaysPerSecond: Math.round(median(rs.map((x) => x.overlaysPerSecond)) * 10) / 10,
      cpuMsPerFrame: Math.round(median(rs.map((x) => x.cpuMsPerFrame ?? NaN)) * 100) / 100,
      overlayMeanMs: Math.round(median(rs.map((x) => x.overlayMeanMs)) * 10) / 10,
    };
  }
  return {
    what: `watch mode, DQN on Catch pixels (untrained, seed 0), one WebSocket client acking every step, loop at ${WATCH_STEPS_PER_SECOND} steps/s; median of rounds`,
    rounds: WATCH_ROUNDS,
    secondsPerRound: WATCH_SECONDS,
    cases: out,
  };
}

