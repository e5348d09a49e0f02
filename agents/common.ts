// Small pieces every algorithm file uses: observation/action descriptions, config merging and
// `--set key=value` overrides, schedules, non-finite checks, and optimizer state on disk.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../envs/atomicWrite.js';
import { fromJsonNumber, type Space, type SpaceJSON } from '../envs/spaces/space.js';
import { getOptimizerState, setOptimizerState, type OptimizerState, type SavedTensor } from '../nets/optim.js';
import type { TrainStep } from './types.js';

// ------------------------------------------------------------------------------------------ errors

/** A loss, gradient or reward that is NaN or ±Infinity: training stops rather than learn from it. */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** Throws a NonFiniteError naming `what` unless every value is finite. */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new NonFiniteError(`${what} is ${values[i]} (not finite)`);
  }
}

// ------------------------------------------------------------------------------ observations

/** How an observation space is fed to a network. */
export interface ObsInfo {
  /** Network input shape (no batch axis): the Box shape, or [n] for a one-hot Discrete. */
  shape: number[];
  /** Elements per observation as the network sees it. */
  size: number;
  /** Storage type in replay: uint8 pixels stay uint8. */
  dtype: 'uint8' | 'float32';
  /** Discrete observations are one-hot encoded: n and start. */
  discrete: { n: number; start: number } | null;
  /** True for uint8 images of rank 3 ([H, W, C]): conv encoders rescale them by 1/255. */
  image: boolean;
}

/**
 * A space as plain data. Read through toJSON() rather than instanceof, so spaces from another copy of
 * the package (a user's env importing the built files) work too.
 */
function spaceData(space: Space<unknown>): SpaceJSON {
  if (!space || typeof (space as { toJSON?: unknown }).toJSON !== 'function') throw new TypeError(`expected a space, got ${String(space)}`);
  return space.toJSON();
}

export function observationInfo(space: Space<unknown>): ObsInfo {
  const j = spaceData(space);
  if (j.type === 'Discrete') return { shape: [j.n], size: j.n, dtype: 'float32', discrete: { n: j.n, start: j.start ?? 0 }, image: false };
  if (j.type === 'Box') {
    const shape = [...j.shape];
    const size = shape.reduce((a, b) => a * b, 1);
    const dtype = j.dtype === 'uint8' ? 'uint8' : 'float32';
    return { shape, size, dtype, discrete: null, image: dtype === 'uint8' && shape.length === 3 };
  }
  throw new TypeError(`agents support Box and Discrete observation spaces, got ${String(space)}`);
}

/** Writes one observation into `out` at `offset` as network input (one-hot for Discrete). */
export function writeObservation(obs: unknown, info: ObsInfo, out: Float32Array | Uint8Array, offset: number): void {
  if (info.discrete) {
    if (typeof obs !== 'number') throw new TypeError(`expected a Discrete observation (a number), got ${String(obs)}`);
    for (let i = 0; i < info.size; i++) out[offset + i] = 0;
    out[offset + obs - info.discrete.start] = 1;
    return;
  }
  const a = obs as ArrayLike<number>;
  if (a === null || typeof a !== 'object' || a.length !== info.size)
    throw new TypeError(`expected an observation of ${info.size} values, got ${a === null || typeof a !== 'object' ? String(a) : `${a.length} values`}`);
  if (offset === 0 && out.length === info.size && ArrayBuffer.isView(a)) out.set(a as Float32Array);
  else for (let i = 0; i < info.size; i++) out[offset + i] = a[i]!;
}

/** A float32 [batch, ...shape] tensor of observations (the caller disposes it). */
export function observationTensor(observations: readonly unknown[], info: ObsInfo): tf.Tensor {
  const buf = new Float32Array(observations.length * info.size);
  for (let i = 0; i < observations.length; i++) writeObservation(observations[i], info, buf, i * info.size);
  return tf.tensor(buf, [observations.length, ...info.shape], 'float32');
}

/** A float32 tensor from stored rows (Uint8Array pixels are converted). */
export function rowsTensor(rows: Float32Array | Uint8Array, batch: number, shape: readonly number[]): tf.Tensor {
  const data = rows instanceof Float32Array ? rows : Float32Array.from(rows);
  return tf.tensor(data, [batch, ...shape], 'float32');
}

/** A copy of an observation that later env steps cannot change (envs may reuse their buffers). */
export function copyObservation<O>(obs: O): O {
  if (ArrayBuffer.isView(obs)) return (obs as unknown as Float32Array).slice() as unknown as O;
  return obs;
}

// ------------------------------------------------------------------------------------ actions

export type ActionInfo =
  | { kind: 'discrete'; n: number; start: number }
  | { kind: 'continuous'; dim: number; low: Float64Array; high: Float64Array; dtype: 'float32' | 'float64' };

export function actionInfo(space: Space<unknown>): ActionInfo {
  const j = spaceData(space);
  if (j.type === 'Discrete') return { kind: 'discrete', n: j.n, start: j.start ?? 0 };
  if (j.type === 'Box' && j.dtype !== 'uint8' && j.shape.length <= 1) {
    const dim = j.shape.reduce((a, b) => a * b, 1);
    return { kind: 'continuous', dim, low: Float64Array.from(j.low.map(fromJsonNumber)), high: Float64Array.from(j.high.map(fromJsonNumber)), dtype: j.dtype };
  }
  throw new TypeError(`agents support Discrete and 1-D float Box action spaces, got ${String(space)}`);
}

/** A continuous action clipped to the space's bounds, as the env gets it. */
export function clipAction(raw: ArrayLike<number>, info: Extract<ActionInfo, { kind: 'continuous' }>): Float32Array | Float64Array {
  const out = info.dtype === 'float64' ? new Float64Array(info.dim) : new Float32Array(info.dim);
  for (let i = 0; i < info.dim; i++) out[i] = Math.min(info.high[i]!, Math.max(info.low[i]!, raw[i]!));
  return out;
}

export function argmax(values: ArrayLike<number>, from = 0, count = values.length - from): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[from + i]! > values[from + best]!) best = i;
  return best;
}

/** Softmax of logits[from .. from+count) into out[0 .. count). */
export function softmaxInto(logits: ArrayLike<number>, out: Float32Array, from = 0, count = out.length): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[from + i]!);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += out[i] = Math.exp(logits[from + i]! - max);
  for (let i = 0; i < count; i++) out[i] = out[i]! / sum;
  return out;
}

// ----------------------------------------------------------------------------------- schedules

/** Linear interpolation from `start` to `end` over `steps`, then held at `end`. */
export function linearDecay(start: number, end: number, steps: number, t: number): number {
  if (steps <= 0) return end;
  return start + (end - start) * Math.min(1, Math.max(0, t / steps));
}

// ---------------------------------------------------------------------------------- configs

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * `base` with `override` merged in, recursively for plain objects. An object with a `type` field
 * (a network or optimizer spec) is replaced whole when the override names another type.
 */
export function mergeConfig<T>(base: T, override: unknown): T {
  if (override === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(override)) return clone(override) as T;
  if ('type' in override && 'type' in base && override['type'] !== base['type']) return clone(override) as T;
  const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
  for (const [k, v] of Object.entries(override)) {
    if (v === undefined) continue;
    out[k] = k in out ? mergeConfig(out[k], v) : clone(v);
  }
  return out as T;
}

/** A deep copy as JSON would make it, except that tf models (a pretrained encoder's source) are kept by reference. */
function clone<T>(x: T): T {
  if (x === undefined) return x;
  if (x instanceof tf.LayersModel) return x;
  if (Array.isArray(x)) return x.map((v) => (v === undefined ? null : clone(v))) as T;
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = clone(v);
    return out as T;
  }
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Parses the value of `--set key=value`: JSON when it parses (numbers, booleans, arrays, objects), else a string. */
export function parseSetValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** Every dotted key path of a config (leaves and objects). */
export function configKeys(config: unknown, prefix = ''): string[] {
  if (!isPlainObject(config)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p, ...configKeys(v, p));
  }
  return out;
}

/**
 * Applies `key=value` overrides (dotted keys) to a resolved config. Unknown keys and values of the
 * wrong type are errors that list what is allowed.
 */
export function applyOverrides<T>(config: T, sets: readonly string[], what: string): T {
  let out = clone(config) as unknown as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects key=value, got '${s}'`);
    const key = s.slice(0, eq).trim();
    const value = parseSetValue(s.slice(eq + 1));
    const path = key.split('.');
    let node: Record<string, unknown> = out;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]!];
      if (!isPlainObject(next)) throw unknownKey(key, out, what);
      node = next;
    }
    const leaf = path[path.length - 1]!;
    if (!(leaf in node)) throw unknownKey(key, out, what);
    const current = node[leaf];
    if (current !== null && current !== undefined && typeof current !== typeof value && !(isPlainObject(current) && isPlainObject(value))) {
      throw new Error(`--set ${key}: expected a ${Array.isArray(current) ? 'array' : typeof current} (like ${JSON.stringify(current)}), got ${JSON.stringify(value)}`);
    }
    if (Array.isArray(current) !== Array.isArray(value) && current !== null) {
      throw new Error(`--set ${key}: expected ${Array.isArray(current) ? 'an array' : 'a scalar'} (like ${JSON.stringify(current)}), got ${JSON.stringify(value)}`);
    }
    node[leaf] = isPlainObject(current) ? mergeConfig(current, value) : value;
    out = { ...out };
  }
  return out as unknown as T;
}

function unknownKey(key: string, config: unknown, what: string): Error {
  const keys = configKeys(config);
  const leafOf = (k: string) => k.slice(k.lastIndexOf('.') + 1).toLowerCase();
  const near = keys.filter((k) => leafOf(k) === leafOf(key) || k.toLowerCase().includes(leafOf(key)) || leafOf(key).includes(leafOf(k)));
  return new Error(
    `unknown config key '${key}' for ${what}.${near.length ? ` Did you mean: ${near.slice(0, 5).join(', ')}?` : ''} Known keys: ${keys.join(', ')}`,
  );
}

// --------------------------------------------------------------------------------- files

export function readJsonFile<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new Error(`${what}: ${path} does not exist`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${what}: ${path} is corrupt (not JSON: ${(err as Error).message})`);
  }
}

export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 1)}\n`);
}

interface OptimizerFile {
  className: string;
  config: tf.serialization.ConfigDict;
  iterations: number;
  weights: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number }>;
  bytes: number;
}

/** Saves an optimizer's state (slots, iteration count) as `<name>.json` + `<name>.bin` in `dir`. */
export async function saveOptimizerState(optimizer: tf.Optimizer, dir: string, name = 'optimizer'): Promise<void> {
  const state = await getOptimizerState(optimizer);
  let bytes = 0;
  const weights = state.weights.map((w) => {
    const entry = { name: w.name, shape: w.shape, dtype: w.dtype, offset: bytes, length: w.values.length };
    bytes += w.values.byteLength;
    return entry;
  });
  const bin = new Uint8Array(bytes);
  state.weights.forEach((w, i) => bin.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), weights[i]!.offset));
  writeFileAtomic(join(dir, `${name}.bin`), bin);
  const file: OptimizerFile = { className: state.className, config: state.config, iterations: state.iterations, weights, bytes };
  writeJsonFile(join(dir, `${name}.json`), file);
}

/** Restores an optimizer's state written by `saveOptimizerState`. */
export async function loadOptimizerState(optimizer: tf.Optimizer, dir: string, name = 'optimizer'): Promise<void> {
  const file = readJsonFile<OptimizerFile>(join(dir, `${name}.json`), 'optimizer state');
  const binPath = join(dir, `${name}.bin`);
  if (!existsSync(binPath)) throw new Error(`optimizer state: ${binPath} does not exist`);
  const bin = readFileSync(binPath);
  if (!Array.isArray(file.weights) || bin.byteLength !== file.bytes) {
    throw new Error(`optimizer state in ${dir} is corrupt: ${bin.byteLength} bytes on disk, ${String(file.bytes)} expected`);
  }
  const weights: SavedTensor[] = file.weights.map((w) => {
    const copy = new Uint8Array(w.length * 4);
    copy.set(bin.subarray(w.offset, w.offset + w.length * 4));
    const values = w.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return { name: w.name, shape: w.shape, dtype: w.dtype, values };
  });
  const state: OptimizerState = { className: file.className, config: file.config, iterations: file.iterations, weights };
  await setOptimizerState(optimizer, state);
}

/**
 * Runs `fn` in a tidy scope and reads its tensor back as a Float32Array copy. (Returning a typed array
 * from tf.tidy itself makes tfjs walk it element by element looking for tensors: very slow.)
 */
export function readTidy(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return Float32Array.from(t.dataSync());
  } finally {
    t.dispose();
  }
}

/** Reads every weight of a model and checks them all finite (for "never write a NaN model"). */
export function modelIsFinite(model: tf.LayersModel): boolean {
  for (const w of model.weights) {
    const v = w.read().dataSync();
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  }
  return true;
}

/**
 * The TrainStep of one env's step, for driving an agent's observe() by hand (the training loop
 * builds its own for n envs). `next` is the observation the step returned.
 */
export function singleEnvStep<O, A>(
  globalStep: number,
  observation: O,
  action: A,
  result: { reward: number; terminated: boolean; truncated: boolean },
  next: O,
): TrainStep<O, A> {
  return {
    globalStep,
    numEnvs: 1,
    observations: [observation],
    actions: [action],
    rewards: Float64Array.of(result.reward),
    terminated: Uint8Array.of(result.terminated ? 1 : 0),
    truncated: Uint8Array.of(result.truncated ? 1 : 0),
    nextObservations: [next],
    finished: [],
  };
}
