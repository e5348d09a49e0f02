// `pixelgym explain <run dir> --method NAME`: what a trained agent looks at. Per-frame methods
// (saliency, guided, occlusion, attention) play greedy episodes and write each frame with its map overlaid,
// as PNGs and/or a GIF; network methods (filters, activations, actions) write one PNG each.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { encodePng } from '../../agents/curve.js';
import type { Agent } from '../../agents/agent.js';
import { PolicyNet } from '../../agents/policy.js';
import type { TrainableAgent } from '../../agents/types.js';
import { writeFileAtomic } from '../../envs/atomicWrite.js';
import type { Frame } from '../../envs/render/scene.js';
import { encodeGif } from '../../envs/wrappers/gif.js';
import { selectBackend, type BackendName } from '../../nets/backend.js';
import {
  activationMaps,
  colorizeMap,
  convLayerNames,
  explainMap,
  firstLayerFilters,
  overlayMap,
  tileFrames,
  visualizeTarget,
  type ImageInput,
  type LiveMethod,
} from '../../nets/vision/explain/index.js';
import { loadRun } from './eval.js';

export const EXPLAIN_METHODS = ['saliency', 'guided', 'occlusion', 'attention', 'filters', 'activations', 'actions'] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export interface ExplainOptions {
  method: ExplainMethod;
  /** Greedy episodes for the per-frame methods. Default 1. */
  episodes?: number;
  /** Steps per episode at most. Default 200. */
  maxSteps?: number;
  /** Output folder for PNGs. Default: none when `gif` is given, else './explain'. */
  out?: string;
  /** A GIF of the frames with their maps (per-frame methods). */
  gif?: string;
  seed?: number;
  /** The run's best model instead of its final one. */
  best?: boolean;
}

// Derived models share the agent's layers and weights and hold no tensors of their own: cached
// per agent network and never disposed (disposing one would release the agent's weights).
const policyLogitModels = new WeakMap<PolicyNet, tf.LayersModel>();

function policyLogits(net: PolicyNet, algo: string): tf.LayersModel {
  if (net.core) throw new Error(`explain: the ${algo} agent's policy is recurrent (${net.config.recurrent?.kind ?? 'rnn'}): its actions depend on a hidden state, not on the observation alone, so no observation → action model exists`);
  if (net.action.kind !== 'discrete')
    throw new Error(`explain: the ${algo} agent has a Gaussian policy (Box actions): there is no score per action to explain (supported: Discrete actions)`);
  let m = policyLogitModels.get(net);
  if (!m) {
    // The non-recurrent trunk is the whole net; its first output is the categorical head's logits.
    m = tf.model({ inputs: net.trunk.inputs, outputs: net.trunk.outputs[0]!, name: `${net.trunk.name}_logits` });
    policyLogitModels.set(net, m);
  }
  return m;
}

/**
 * The agent's network as one tf model from observation to per-action scores: DQN's online
 * Q-network, or the action logits of a non-recurrent categorical PolicyNet (a2c's `net`,
 * reinforce's `policy`). The target of an explanation is then the 0-based action index.
 */
export function agentModel(agent: TrainableAgent | Agent): tf.LayersModel {
  const a = agent as { online?: unknown; net?: unknown; policy?: unknown };
  const online = a.online;
  if (online && typeof (online as tf.LayersModel).predict === 'function' && Array.isArray((online as tf.LayersModel).layers)) return online as tf.LayersModel;
  const policy = a.net instanceof PolicyNet ? a.net : a.policy instanceof PolicyNet ? a.policy : null;
  if (policy) return policyLogits(policy, agent.algo);
  throw new Error(`explain: agents of algorithm '${agent.algo}' expose no single observation → action-score model (supported: dqn, a2c, reinforce)`);
}

function upscale(f: Frame, minSide: number): Frame {
  const s = Math.max(1, Math.floor(minSide / Math.max(f.width, f.height)));
  if (s === 1) return f;
  const W = f.width * s;
  const data = new Uint8Array(W * f.height * s * 3);
  for (let y = 0; y < f.height * s; y++)
    for (let x = 0; x < W; x++) {
      const i = (Math.floor(y / s) * f.width + Math.floor(x / s)) * 3;
      data.set(f.data.subarray(i, i + 3), (y * W + x) * 3);
    }
  return { width: W, height: f.height * s, data };
}

/** A float [h, w, c] image as grey (c ≠ 3: its first channel) or RGB pixels, stretched to its range. */
function imageFrame(img: Float32Array, shape: readonly [number, number, number]): Frame {
  const [h, w, c] = shape;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++)
    for (let k = 0; k < 3; k++) data[i * 3 + k] = Math.round((255 * (img[i * c + (c === 3 ? k : 0)]! - lo)) / span);
  return { width: w, height: h, data };
}

function writePng(path: string, frame: Frame): string {
  writeFileAtomic(path, encodePng(frame));
  return path;
}

/** Runs one explanation of a run directory or saved agent; returns the files written. */
export async function runExplain(dir: string, o: ExplainOptions): Promise<string[]> {
  if (!EXPLAIN_METHODS.includes(o.method)) throw new Error(`explain: --method must be one of ${EXPLAIN_METHODS.join(', ')}, got '${String(o.method)}'`);
  const run = await loadRun(dir, { best: o.best ?? false });
  const written: string[] = [];
  const outDir = o.out ?? (o.gif ? null : 'explain');
  const ensureOut = (): string => {
    const d = resolve(outDir ?? 'explain');
    mkdirSync(d, { recursive: true });
    return d;
  };
  try {
    const model = agentModel(run.agent);
    const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
    if (shape.length !== 3) throw new Error(`explain: the network takes [${shape.join(', ')}], not images`);
    if (o.method === 'filters') return [writePng(join(ensureOut(), 'filters.png'), firstLayerFilters(model, 8))];
    if (o.method === 'actions') {
      const k = (model.outputs[0]!.shape[1] as number | null) ?? 0;
      const tiles: Frame[] = [];
      for (let a = 0; a < k; a++) {
        const r = visualizeTarget(model, { kind: 'output', index: a }, shape, { steps: 60, range: [0, 255], lr: 2, l2: 1e-6, seed: o.seed ?? 0 });
        tiles.push(upscale(imageFrame(r.image, shape), 84));
      }
      return [writePng(join(ensureOut(), 'actions.png'), tileFrames(tiles, k))];
    }
    const env = await run.makeEnv();
    const frames: Frame[] = [];
    try {
      const episodes = o.episodes ?? 1;
      const maxSteps = o.maxSteps ?? 200;
      for (let e = 0; e < episodes; e++) {
        let { observation } = env.reset({ seed: (o.seed ?? 0) + e });
        (run.agent as { resetEpisode?: () => void }).resetEpisode?.();
        for (let t = 0; t < maxSteps; t++) {
          const image: ImageInput = { data: observation as ArrayLike<number>, shape };
          const action = run.agent.act(observation, { explore: false }) as number;
          const target = action - ((env.actionSpace as { start?: number }).start ?? 0);
          const view = env.render() ?? imageFrame(Float32Array.from(image.data), shape);
          if (o.method === 'activations') {
            const layer = convLayerNames(model)[0];
            if (!layer) throw new Error('explain: the network has no conv layer');
            const maps = activationMaps(model, layer, image);
            frames.push(tileFrames([upscale(view, 84), ...maps.map((m) => upscale(colorizeMap(m), 84))], 4));
          } else {
            frames.push(upscale(overlayMap(view, explainMap(o.method as LiveMethod, model, image, target)), 168));
          }
          const r = env.step(action);
          observation = r.observation;
          if (r.terminated || r.truncated) break;
        }
      }
    } finally {
      env.close();
    }
    if (outDir !== null) {
      const d = ensureOut();
      frames.forEach((f, i) => written.push(writePng(join(d, `${o.method}_${String(i).padStart(4, '0')}.png`), f)));
    }
    if (o.gif) {
      const path = resolve(o.gif);
      writeFileAtomic(path, encodeGif(frames, { fps: 10 }));
      written.push(path);
    }
    return written;
  } finally {
    run.agent.dispose?.();
  }
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('explain')
    .description(`show what a trained agent looks at (${EXPLAIN_METHODS.join(', ')})`)
    .argument('<run>', 'run directory from `pixelgym train`, or a saved agent directory')
    .requiredOption('--method <name>', EXPLAIN_METHODS.join(' | '))
    .option('--episodes <n>', 'greedy episodes for per-frame methods', positiveInt('--episodes'), 1)
    .option('--max-steps <n>', 'steps per episode at most', positiveInt('--max-steps'), 200)
    .option('--gif <file>', 'write a GIF of the frames with the maps overlaid')
    .option('--out <dir>', 'folder for the PNGs (default ./explain unless --gif is given)')
    .option('--seed <n>', 'seed of the first reset', '0')
    .option('--best', "the run's best model instead of the final one")
    .option('--backend <name>', 'tfjs back end (default PIXELGYM_BACKEND or auto)')
    .action(async (dir: string, opts: { method: string; episodes: number; maxSteps: number; gif?: string; out?: string; seed: string; best?: boolean; backend?: string }) => {
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${opts.seed}'`);
      await selectBackend((opts.backend as BackendName | undefined) ?? undefined);
      const files = await runExplain(dir, {
        method: opts.method as ExplainMethod,
        episodes: opts.episodes,
        maxSteps: opts.maxSteps,
        seed,
        ...(opts.gif ? { gif: opts.gif } : {}),
        ...(opts.out ? { out: opts.out } : {}),
        ...(opts.best ? { best: true } : {}),
      });
      console.log(`wrote ${files.length} file(s)${files.length ? `: ${files[0]}${files.length > 1 ? ' …' : ''}` : ''}`);
    });
}
