// A reference model for the replay tests: envs that emit frames with unique ids, and a plain
// record of every transition, episode and frame written, from which the tests compute what a
// sample must contain, independently of the buffer's code.
import { Rng } from '../../envs/rng.js';

export type Dtype = 'uint8' | 'float32';

/** Element i of the frame with id `id`: the id is readable back from elements 0 and 1. */
export function frameValue(id: number, i: number, dtype: Dtype): number {
  if (dtype === 'float32') return id * 1000 + i;
  if (i === 0) return id & 255;
  if (i === 1) return (id >> 8) & 255;
  return (id * 31 + i * 7) & 255;
}

export function makeFrame(id: number, size: number, dtype: Dtype): Uint8Array | Float32Array {
  const f = dtype === 'uint8' ? new Uint8Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) f[i] = frameValue(id, i, dtype);
  return f;
}

/** Index in a stacked observation (k frames of C channels along the last axis) of element i of frame j. */
export function stackedIndex(i: number, j: number, channels: number, k: number): number {
  return Math.floor(i / channels) * channels * k + j * channels + (i % channels);
}

/** The stacked observation [.., k·C] of the given frame ids (oldest first), built element by element. */
export function expectedStack(ids: readonly number[], frameSize: number, channels: number, dtype: Dtype): number[] {
  const k = ids.length;
  const out = new Array<number>(frameSize * k).fill(-1);
  for (let j = 0; j < k; j++) for (let i = 0; i < frameSize; i++) out[stackedIndex(i, j, channels, k)] = frameValue(ids[j]!, i, dtype);
  return out;
}

/** The id of the newest frame of a stacked observation starting at `offset`. */
export function newestFrameId(obs: ArrayLike<number>, offset: number, channels: number, k: number, dtype: Dtype): number {
  const a = obs[offset + stackedIndex(0, k - 1, channels, k)]!;
  if (dtype === 'float32') return Math.round(a / 1000);
  const b = obs[offset + stackedIndex(1, k - 1, channels, k)]!;
  return a | (b << 8);
}

export interface RefTransition {
  readonly env: number;
  /** Frame ids of the episode so far (grows as the episode runs). */
  readonly episode: number[];
  /** Index of this transition in its episode. */
  readonly t: number;
  readonly action: number;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

export interface ModelStep {
  readonly env: number;
  readonly observation: Uint8Array | Float32Array;
  readonly nextObservation: Uint8Array | Float32Array;
  readonly action: number;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

export interface ModelOptions {
  numEnvs: number;
  frameSize: number;
  dtype: Dtype;
  /** Probability that a step ends its episode. */
  pEnd: number;
  seed: number;
}

/**
 * Envs emitting frames with unique ids. Records, per env, the frames in the order a buffer that
 * stores each frame once writes them (an episode's first frame, then each next frame), and every
 * transition by the id of its observation frame.
 */
export class EnvModel {
  readonly opts: ModelOptions;
  readonly rng: Rng;
  /** Per env: frame ids in write order. */
  readonly writeLog: number[][];
  /** Per env: position of each frame id in its write log. */
  readonly logPos: Map<number, number>;
  readonly byObsId = new Map<number, RefTransition>();
  private readonly episodes: (number[] | null)[];
  private nextId = 1;

  constructor(opts: ModelOptions) {
    this.opts = opts;
    this.rng = new Rng(opts.seed);
    this.writeLog = Array.from({ length: opts.numEnvs }, () => []);
    this.logPos = new Map();
    this.episodes = new Array<number[] | null>(opts.numEnvs).fill(null);
  }

  private log(env: number, id: number): void {
    this.logPos.set(id, this.writeLog[env]!.length);
    this.writeLog[env]!.push(id);
  }

  /** One step of env `env`. */
  step(env: number): ModelStep {
    let episode = this.episodes[env];
    if (episode === null) {
      episode = [this.nextId++];
      this.log(env, episode[0]!);
      this.episodes[env] = episode;
    }
    const t = episode.length - 1;
    const obsId = episode[t]!;
    const nextId = this.nextId++;
    episode.push(nextId);
    this.log(env, nextId);
    const end = this.rng.random() < this.opts.pEnd;
    const terminated = end && this.rng.random() < 0.5;
    const truncated = end && !terminated;
    const action = this.rng.int(5);
    const reward = this.rng.int(21) - 10;
    this.byObsId.set(obsId, { env, episode, t, action, reward, terminated, truncated });
    if (end) this.episodes[env] = null;
    return {
      env,
      observation: makeFrame(obsId, this.opts.frameSize, this.opts.dtype),
      nextObservation: makeFrame(nextId, this.opts.frameSize, this.opts.dtype),
      action,
      reward,
      terminated,
      truncated,
    };
  }

  /** Whether frame `id` of env `env` is still among the newest `segment` frames written. */
  retained(env: number, id: number, segment: number): boolean {
    return this.logPos.get(id)! >= this.writeLog[env]!.length - segment;
  }

  /** Frame ids of the stack of k ending at episode index t, padded with the episode's first frame. */
  static stackIds(episode: readonly number[], t: number, k: number): number[] {
    const ids: number[] = [];
    for (let j = 0; j < k; j++) ids.push(episode[Math.max(0, t - (k - 1 - j))]!);
    return ids;
  }

  /**
   * The n-step window of transition `ref`: its length m, discounted reward sum (float64), end
   * flags, or null when it is not complete yet.
   */
  window(ref: RefTransition, n: number, gamma: number): { m: number; ret: number; terminated: boolean; truncated: boolean } | null {
    let ret = 0;
    for (let j = 0; j < n; j++) {
      const id = ref.episode[ref.t + j];
      const tr = id === undefined ? undefined : this.byObsId.get(id);
      if (tr === undefined || tr.episode !== ref.episode) return null;
      ret += gamma ** j * tr.reward;
      if (tr.terminated || tr.truncated) return { m: j + 1, ret, terminated: tr.terminated, truncated: !tr.terminated && tr.truncated };
    }
    return { m: n, ret, terminated: false, truncated: false };
  }

  /** Whether the transition whose observation is frame `obsId` must be sampleable. */
  valid(obsId: number, segment: number, k: number, n: number): boolean {
    const ref = this.byObsId.get(obsId);
    if (ref === undefined) return false;
    for (const id of EnvModel.stackIds(ref.episode, ref.t, k)) if (!this.retained(ref.env, id, segment)) return false;
    if (!this.retained(ref.env, obsId, segment)) return false;
    return this.window(ref, n, 1) !== null;
  }

  /** Obs ids of all transitions that must be sampleable now. */
  validIds(segment: number, k: number, n: number): number[] {
    const out: number[] = [];
    for (const id of this.byObsId.keys()) if (this.valid(id, segment, k, n)) out.push(id);
    return out;
  }

  /** Transitions whose observation frame is still stored. */
  storedCount(segment: number): number {
    let c = 0;
    for (const [id, ref] of this.byObsId) if (this.retained(ref.env, id, segment)) c++;
    return c;
  }
}
