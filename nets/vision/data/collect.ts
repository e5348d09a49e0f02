import type { Env } from '../../../envs/core.js';
import { rasterize, rasterizeLabels } from '../../../envs/render/rasterize.js';
import type { Scene } from '../../../envs/render/scene.js';
import { BOX_MODES, sceneBoxes, type BoxMode } from './boxes.js';
import { FrameDataset, type ObjectBox } from './frameDataset.js';

/** Chooses actions while collecting: a function of the observation, or uniform random actions. */
export type FramePolicy<O, A> = 'random' | ((observation: O) => A);

export interface CollectOptions {
  /** Seeds the first reset and, for the 'random' policy, the env's action space sampler (`actionSpace.seed`). */
  seed: number;
  /** Frame size in pixels; defaults to the size of the env's `render()` (else its scene's). */
  width?: number;
  height?: number;
  /**
   * Object kinds to label, in mask order. Default: the env's `channelNames` when it has them
   * (MinAtar), else every kind seen in the collected scenes, sorted by name.
   */
  kinds?: readonly string[];
  /** How shapes become boxes (see `BoxMode`); default 'touching'. */
  boxes?: BoxMode;
}

/** The largest dataset one call records (about 1 GB of 84×84 frames, far past what training here can use). */
export const MAX_COLLECT_FRAMES = 50_000;

function copyScene(s: Scene): Scene {
  // Envs may reuse shape objects between calls; a shallow copy per shape is enough to keep the state.
  return { width: s.width, height: s.height, background: s.background, shapes: s.shapes.map((x) => ({ ...x })) };
}

function defaultKinds(env: Env, scenes: readonly Scene[]): string[] {
  const declared = (env.unwrapped as { channelNames?: unknown }).channelNames;
  if (Array.isArray(declared) && declared.every((k) => typeof k === 'string')) return [...(declared as string[])];
  const seen = new Set<string>();
  for (const s of scenes) for (const sh of s.shapes) if (sh.kind !== undefined) seen.add(sh.kind);
  return [...seen].sort();
}

function checkSide(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 4096)) throw new RangeError(`collectFrames: ${name} must be an integer in 1 … 4096, got ${String(v)}`);
}

/**
 * Steps `env` with `policy` and records `n` frames with ground truth from its scene: the RGB
 * frame `rasterize(env.scene(), w, h)` (the pixels the env renders at that size), the label mask
 * `rasterizeLabels`, the visible kinds and the object boxes (see `sceneBoxes`). Every state is
 * recorded, the reset state and the terminal one included; when an episode ends the env is
 * reset (unseeded, so episodes differ) and recording continues.
 */
export function collectFrames<O, A>(env: Env<O, A>, policy: FramePolicy<O, A>, n: number, options: CollectOptions): FrameDataset {
  if (!Number.isInteger(n) || n < 1 || n > MAX_COLLECT_FRAMES) throw new RangeError(`collectFrames: n must be an integer in 1 … ${MAX_COLLECT_FRAMES}, got ${String(n)}`);
  if (typeof options !== 'object' || options === null || !Number.isInteger(options.seed)) throw new TypeError('collectFrames: options.seed must be an integer');
  if (policy !== 'random' && typeof policy !== 'function') throw new TypeError(`collectFrames: policy must be a function or 'random', got ${String(policy)}`);
  checkSide('width', options.width);
  checkSide('height', options.height);
  const mode = options.boxes ?? 'touching';
  if (!BOX_MODES.includes(mode)) throw new RangeError(`collectFrames: boxes must be one of ${BOX_MODES.join(', ')}, got ${String(mode)}`);
  if (options.kinds !== undefined) {
    const k = options.kinds;
    if (!Array.isArray(k) || k.length === 0 || k.some((x) => typeof x !== 'string' || x.length === 0) || new Set(k).size !== k.length)
      throw new TypeError('collectFrames: kinds must be distinct non-empty strings');
  }
  if (typeof env.scene !== 'function') throw new TypeError(`collectFrames: env ${env.spec?.id ?? ''} has no scene() to take ground truth from`);

  if (policy === 'random') env.actionSpace.seed(options.seed);
  const choose = policy === 'random' ? () => env.actionSpace.sample() : policy;
  let observation = env.reset({ seed: options.seed }).observation;
  const first = env.scene();
  let width = options.width;
  let height = options.height;
  if (width === undefined || height === undefined) {
    const r = env.render();
    width ??= r?.width ?? first.width;
    height ??= r?.height ?? first.height;
  }
  const px = width * height;
  const frames = new Uint8Array(n * px * 3);
  const scenes: Scene[] = [];
  const actions = new Int32Array(n).fill(-1);
  const rewards = new Float32Array(n);
  const episodes = new Int32Array(n);
  const steps = new Int32Array(n);
  let episode = 0;
  let t = 0;
  let over = false;
  for (let j = 0; ; j++) {
    const scene = j === 0 ? first : env.scene();
    rasterize(scene, width, height, frames.subarray(j * px * 3, (j + 1) * px * 3));
    scenes.push(copyScene(scene));
    episodes[j] = episode;
    steps[j] = t;
    if (j === n - 1) break;
    if (over) {
      observation = env.reset().observation;
      episode++;
      t = 0;
      over = false;
      continue;
    }
    const action = choose(observation);
    const r = env.step(action);
    actions[j] = typeof action === 'number' && Number.isInteger(action) && action >= 0 ? action : -1;
    rewards[j] = r.reward;
    observation = r.observation;
    t++;
    over = r.terminated || r.truncated;
  }

  const kinds = options.kinds ? [...options.kinds] : defaultKinds(env as Env, scenes);
  if (kinds.length === 0) throw new Error(`collectFrames: the scenes of ${env.spec?.id ?? 'this env'} label no object kinds; pass options.kinds`);
  const masks = new Uint8Array(n * px);
  const present = new Uint8Array(n * kinds.length);
  const boxes: ObjectBox[][] = [];
  scenes.forEach((scene, j) => {
    const mask = masks.subarray(j * px, (j + 1) * px);
    rasterizeLabels(scene, width, height, kinds, mask);
    for (let i = 0; i < px; i++) if (mask[i]! > 0) present[j * kinds.length + mask[i]! - 1] = 1;
    boxes.push(sceneBoxes(scene, width, height, kinds, mask, mode));
  });
  return new FrameDataset({ width, height, kinds, frames, masks, present, boxes, actions, rewards, episodes, steps });
}
