// Demonstrations (a person's or an agent's episodes) in one binary file that agents and reward
// models load later.
//
// File layout, little endian, every section starting on an 8-byte boundary:
//   header   magic "PXGDEMO\0" (8) · u16 version · u8 obs dtype · u8 action dtype · u8 obs rank ·
//            u8 action rank · u16 env-id bytes · u32 episodes · u32 steps · u32 reserved (0) ·
//            obs dims (u32 each) · action dims (u32 each) · env id (UTF-8)
//   payload  episode lengths (i32 × episodes) · observations (obs dtype × (steps + episodes) × obs size:
//            each episode's reset observation, then the one after every step) · actions (action dtype ×
//            steps × action size) · rewards (f64 × steps) · terminated (u8 × steps) · truncated (u8 × steps)
//   trailer  u32 CRC-32 of everything before it
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Env } from '../envs/core.js';
import { writeFileAtomic } from '../envs/atomicWrite.js';
import { Box } from '../envs/spaces/box.js';
import { Discrete } from '../envs/spaces/discrete.js';
import type { Space } from '../envs/spaces/space.js';
import { MultiBinary } from '../envs/spaces/multiBinary.js';
import { MultiDiscrete } from '../envs/spaces/multiDiscrete.js';

export const DEMO_MAGIC = 'PXGDEMO\0';
export const DEMO_VERSION = 1;

export type DemoDType = 'uint8' | 'int8' | 'int32' | 'float32' | 'float64';
export type DemoArray = Uint8Array | Int8Array | Int32Array | Float32Array | Float64Array;

/** The shape and element type of one observation or one action. */
export interface ArraySpec {
  shape: number[];
  dtype: DemoDType;
}

/** One episode. Arrays are flat, row-major; `observations` has length + 1 entries. */
export interface DemoEpisode {
  length: number;
  /** The reset observation, then the observation after each step. */
  observations: DemoArray;
  actions: DemoArray;
  rewards: Float64Array;
  /** 1 where the step ended the episode by termination / truncation. Both 0 on the last step: the recording stopped mid-episode. */
  terminated: Uint8Array;
  truncated: Uint8Array;
}

export interface Demonstrations {
  envId: string | null;
  observation: ArraySpec;
  action: ArraySpec;
  episodes: DemoEpisode[];
}

const DTYPES: readonly DemoDType[] = ['uint8', 'int8', 'int32', 'float32', 'float64'];
const CODE: Record<DemoDType, number> = { uint8: 1, int8: 2, int32: 3, float32: 4, float64: 5 };
const BYTES: Record<DemoDType, number> = { uint8: 1, int8: 1, int32: 4, float32: 4, float64: 8 };
const FIXED_HEADER_BYTES = 28;
const MAX_RANK = 8;

export class DemonstrationFileError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: not a valid demonstrations file: ${reason}`);
    this.name = 'DemonstrationFileError';
  }
}

function allocArray(dtype: DemoDType, n: number): DemoArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
  }
}

function viewArray(dtype: DemoDType, buffer: ArrayBuffer, byteOffset: number, n: number): DemoArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
  }
}

function sizeOf(spec: ArraySpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

function checkSpec(where: string, spec: ArraySpec): void {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${where}: expected { shape, dtype }`);
  if (!DTYPES.includes(spec.dtype)) throw new TypeError(`${where}: dtype must be one of ${DTYPES.join(', ')}, got ${String(spec.dtype)}`);
  if (!Array.isArray(spec.shape) || spec.shape.length > MAX_RANK || !spec.shape.every((d) => Number.isInteger(d) && d > 0 && d <= 0xffffffff))
    throw new TypeError(`${where}: shape must be up to ${MAX_RANK} positive integers, got ${JSON.stringify(spec.shape)}`);
}

/** How a space's values are stored: Box by its dtype, Discrete and MultiDiscrete as int32, MultiBinary as int8. */
export function arraySpecOf(space: Space<unknown>): ArraySpec {
  if (space instanceof Box) return { shape: [...space.shape], dtype: space.dtype };
  if (space instanceof Discrete) return { shape: [], dtype: 'int32' };
  if (space instanceof MultiDiscrete) return { shape: [...space.shape], dtype: 'int32' };
  if (space instanceof MultiBinary) return { shape: [...space.shape], dtype: 'int8' };
  throw new TypeError(`demonstrations: cannot store values of ${String(space)} (Box, Discrete, MultiDiscrete and MultiBinary can be stored)`);
}

const pad8 = (n: number): number => (n + 7) & ~7;

function checkEpisode(demos: Demonstrations, ep: DemoEpisode, i: number): void {
  const where = `saveDemonstrations: episode ${i}`;
  const L = ep.length;
  if (!Number.isInteger(L) || L < 0 || L > 0x7fffffff) throw new RangeError(`${where}: length must be a non-negative integer, got ${String(L)}`);
  const want: [string, ArrayLike<number> | undefined, number][] = [
    ['observations', ep.observations, (L + 1) * sizeOf(demos.observation)],
    ['actions', ep.actions, L * sizeOf(demos.action)],
    ['rewards', ep.rewards, L],
    ['terminated', ep.terminated, L],
    ['truncated', ep.truncated, L],
  ];
  for (const [name, arr, n] of want) {
    if (!arr || !ArrayBuffer.isView(arr)) throw new TypeError(`${where}: ${name} must be a typed array`);
    if (arr.length !== n) throw new RangeError(`${where}: ${name} has ${arr.length} values, expected ${n}`);
  }
}

/** The file's bytes, as chunks (header, sections, trailer). Validates everything first. */
export function encodeDemonstrations(demos: Demonstrations): Uint8Array[] {
  if (typeof demos !== 'object' || demos === null || !Array.isArray(demos.episodes)) throw new TypeError('saveDemonstrations: expected { envId, observation, action, episodes }');
  checkSpec('saveDemonstrations: observation', demos.observation);
  checkSpec('saveDemonstrations: action', demos.action);
  if (demos.envId !== null && typeof demos.envId !== 'string') throw new TypeError('saveDemonstrations: envId must be a string or null');
  demos.episodes.forEach((ep, i) => checkEpisode(demos, ep, i));
  const E = demos.episodes.length;
  const N = demos.episodes.reduce((a, ep) => a + ep.length, 0);
  if (E > 0x7fffffff || N > 0xffffffff) throw new RangeError('saveDemonstrations: too many episodes or steps for one file');
  const envId = new TextEncoder().encode(demos.envId ?? '');
  if (envId.length > 0xffff) throw new RangeError('saveDemonstrations: envId is too long');
  const obs = demos.observation;
  const act = demos.action;
  const headerBytes = pad8(FIXED_HEADER_BYTES + 4 * (obs.shape.length + act.shape.length) + envId.length);
  const header = new Uint8Array(headerBytes);
  const v = new DataView(header.buffer);
  header.set(new TextEncoder().encode(DEMO_MAGIC), 0);
  v.setUint16(8, DEMO_VERSION, true);
  v.setUint8(10, CODE[obs.dtype]);
  v.setUint8(11, CODE[act.dtype]);
  v.setUint8(12, obs.shape.length);
  v.setUint8(13, act.shape.length);
  v.setUint16(14, envId.length, true);
  v.setUint32(16, E, true);
  v.setUint32(20, N, true);
  v.setUint32(24, 0, true);
  let o = FIXED_HEADER_BYTES;
  for (const d of [...obs.shape, ...act.shape]) {
    v.setUint32(o, d, true);
    o += 4;
  }
  header.set(envId, o);

  const section = (parts: (ep: DemoEpisode) => DemoArray, dtype: DemoDType, count: number): Uint8Array => {
    const out = new Uint8Array(pad8(count * BYTES[dtype]));
    const arr = viewArray(dtype, out.buffer, 0, count);
    let at = 0;
    for (const ep of demos.episodes) {
      const src = parts(ep);
      arr.set(src as ArrayLike<number>, at);
      at += src.length;
    }
    return out;
  };
  const lengths = new Uint8Array(pad8(E * 4));
  const lv = new DataView(lengths.buffer);
  demos.episodes.forEach((ep, i) => lv.setInt32(i * 4, ep.length, true));
  const chunks = [
    header,
    lengths,
    section((ep) => ep.observations, obs.dtype, (N + E) * sizeOf(obs)),
    section((ep) => ep.actions, act.dtype, N * sizeOf(act)),
    section((ep) => ep.rewards, 'float64', N),
    section((ep) => ep.terminated, 'uint8', N),
    section((ep) => ep.truncated, 'uint8', N),
  ];
  let crc = 0;
  for (const c of chunks) crc = crc32(c, crc);
  const trailer = new Uint8Array(4);
  new DataView(trailer.buffer).setUint32(0, crc >>> 0, true);
  chunks.push(trailer);
  return chunks;
}

/** Writes demonstrations to `path` atomically (temp file + rename). Bad input throws and writes nothing. */
export function saveDemonstrations(path: string, demos: Demonstrations): void {
  checkLittleEndian();
  writeFileAtomic(path, encodeDemonstrations(demos));
}

function checkLittleEndian(): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('demonstration files need a little-endian machine');
}

/** Parses a demonstrations file's bytes; `path` only names it in errors. */
export function decodeDemonstrations(bytes: Uint8Array, path = '<bytes>'): Demonstrations {
  checkLittleEndian();
  const bad = (reason: string): never => {
    throw new DemonstrationFileError(path, reason);
  };
  if (bytes.length < FIXED_HEADER_BYTES + 4) bad(`only ${bytes.length} bytes (truncated?)`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== DEMO_MAGIC) bad('wrong magic (not a pixelgym demonstrations file)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint16(8, true);
  if (version !== DEMO_VERSION) bad(`version ${version}; this pixelgym reads version ${DEMO_VERSION}`);
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = v.getUint32(bytes.length - 4, true);
  if ((crc32(body) >>> 0) !== stored) bad('checksum mismatch (the file is truncated or corrupt)');
  const obsType = DTYPES[v.getUint8(10) - 1] ?? bad(`unknown observation dtype code ${v.getUint8(10)}`);
  const actType = DTYPES[v.getUint8(11) - 1] ?? bad(`unknown action dtype code ${v.getUint8(11)}`);
  const obsRank = v.getUint8(12);
  const actRank = v.getUint8(13);
  if (obsRank > MAX_RANK || actRank > MAX_RANK) bad('shape rank too large');
  const idBytes = v.getUint16(14, true);
  const E = v.getUint32(16, true);
  const N = v.getUint32(20, true);
  let o = FIXED_HEADER_BYTES;
  const dims = (rank: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < rank; i++, o += 4) {
      if (o + 4 > body.length) bad('header runs past the end');
      const d = v.getUint32(o, true);
      if (d === 0) bad('zero dimension in a shape');
      out.push(d);
    }
    return out;
  };
  const observation: ArraySpec = { shape: dims(obsRank), dtype: obsType };
  const action: ArraySpec = { shape: dims(actRank), dtype: actType };
  if (o + idBytes > body.length) bad('header runs past the end');
  const envIdText = new TextDecoder().decode(bytes.subarray(o, o + idBytes));
  o = pad8(o + idBytes);
  const obsSize = sizeOf(observation);
  const actSize = sizeOf(action);
  const sections: [DemoDType, number][] = [
    ['int32', E],
    [obsType, (N + E) * obsSize],
    [actType, N * actSize],
    ['float64', N],
    ['uint8', N],
    ['uint8', N],
  ];
  // Sizes from the header are checked against the file before anything is allocated.
  const expected = sections.reduce((a, [dt, n]) => a + pad8(n * BYTES[dt]), o);
  if (!Number.isSafeInteger(expected) || expected !== body.length) bad(`expected ${expected} bytes before the checksum for ${E} episodes and ${N} steps, found ${body.length}`);
  // One aligned copy of the payload; every array is a view into it.
  const payload = new Uint8Array(body.subarray(o)); // a copy (Buffer.slice would be a view)
  const arrays: DemoArray[] = [];
  let at = 0;
  for (const [dt, n] of sections) {
    arrays.push(viewArray(dt, payload.buffer, at, n));
    at += pad8(n * BYTES[dt]);
  }
  const [lengths, obsAll, actAll, rewards, terminated, truncated] = arrays as [Int32Array, DemoArray, DemoArray, Float64Array, Uint8Array, Uint8Array];
  let total = 0;
  for (let i = 0; i < E; i++) {
    if (lengths[i]! < 0) bad(`episode ${i} has a negative length`);
    total += lengths[i]!;
  }
  if (total !== N) bad(`episode lengths add up to ${total}, the header says ${N} steps`);
  const episodes: DemoEpisode[] = [];
  let step = 0;
  let obsAt = 0;
  for (let i = 0; i < E; i++) {
    const L = lengths[i]!;
    episodes.push({
      length: L,
      observations: obsAll.subarray(obsAt * obsSize, (obsAt + L + 1) * obsSize),
      actions: actAll.subarray(step * actSize, (step + L) * actSize),
      rewards: rewards.subarray(step, step + L),
      terminated: terminated.subarray(step, step + L),
      truncated: truncated.subarray(step, step + L),
    });
    step += L;
    obsAt += L + 1;
  }
  return { envId: idBytes > 0 ? envIdText : null, observation, action, episodes };
}

/** Reads a demonstrations file; a truncated, corrupt or foreign file throws a DemonstrationFileError. */
export function loadDemonstrations(path: string): Demonstrations {
  return decodeDemonstrations(readFileSync(path), path);
}

/** A growable typed array: doubling capacity, so appending a step allocates only now and then. */
class Column {
  data: DemoArray;
  length = 0;

  constructor(
    readonly dtype: DemoDType,
    capacity: number,
  ) {
    this.data = allocArray(dtype, Math.max(1, capacity));
  }

  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < need) cap *= 2;
    const next = allocArray(this.dtype, cap);
    next.set(this.data.subarray(0, this.length) as ArrayLike<number>);
    this.data = next;
  }

  push(v: number): void {
    this.reserve(1);
    this.data[this.length++] = v;
  }

  pushValue(value: unknown, size: number, what: string): void {
    this.reserve(size);
    if (typeof value === 'number') {
      if (size !== 1) throw new RangeError(`DemonstrationRecorder: ${what} is a number but the spec has ${size} values`);
      this.data[this.length++] = value;
      return;
    }
    const arr = value as ArrayLike<number> | null;
    if (!arr || typeof arr !== 'object' || typeof arr.length !== 'number' || arr.length !== size)
      throw new RangeError(`DemonstrationRecorder: ${what} must have ${size} values, got ${arr && typeof arr === 'object' ? String(arr.length) : typeof value}`);
    if (ArrayBuffer.isView(arr)) this.data.set(arr, this.length);
    else for (let i = 0; i < size; i++) this.data[this.length + i] = arr[i]!;
    this.length += size;
  }

  /** A trimmed copy of the contents. */
  take(): DemoArray {
    return this.data.slice(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

export interface RecorderOptions {
  observation: ArraySpec;
  action: ArraySpec;
  envId?: string | null;
}

/**
 * Records episodes step by step (`beginEpisode`, then `addStep` per step) into growable buffers;
 * `toDemonstrations()` / `save(path)` give everything so far, including the open episode if it
 * has steps (its last step then has neither flag set).
 */
export class DemonstrationRecorder {
  readonly observation: ArraySpec;
  readonly action: ArraySpec;
  readonly envId: string | null;
  private readonly finished: DemoEpisode[] = [];
  private readonly obsSize: number;
  private readonly actSize: number;
  private open = false;
  private obs: Column;
  private acts: Column;
  private rewards = new Column('float64', 64);
  private terminated = new Column('uint8', 64);
  private truncated = new Column('uint8', 64);

  constructor(options: RecorderOptions) {
    checkSpec('DemonstrationRecorder: observation', options.observation);
    checkSpec('DemonstrationRecorder: action', options.action);
    this.observation = { shape: [...options.observation.shape], dtype: options.observation.dtype };
    this.action = { shape: [...options.action.shape], dtype: options.action.dtype };
    this.envId = options.envId ?? null;
    this.obsSize = sizeOf(this.observation);
    this.actSize = sizeOf(this.action);
    this.obs = new Column(this.observation.dtype, 64 * this.obsSize);
    this.acts = new Column(this.action.dtype, 64 * this.actSize);
  }

  /** A recorder for an env's observation and action spaces. */
  static forEnv(env: Env<unknown, unknown>): DemonstrationRecorder {
    return new DemonstrationRecorder({ observation: arraySpecOf(env.observationSpace), action: arraySpecOf(env.actionSpace), envId: env.spec?.id ?? null });
  }

  /** Starts an episode at its reset observation (an open episode is kept as cut off). */
  beginEpisode(observation: unknown): void {
    this.closeEpisode();
    this.obs.pushValue(observation, this.obsSize, 'observation');
    this.open = true;
  }

  addStep(action: unknown, reward: number, terminated: boolean, truncated: boolean, nextObservation: unknown): void {
    if (!this.open) throw new Error('DemonstrationRecorder: addStep before beginEpisode');
    if (typeof reward !== 'number' || Number.isNaN(reward)) throw new TypeError(`DemonstrationRecorder: reward must be a number, got ${String(reward)}`);
    const obsAt = this.obs.length;
    const actAt = this.acts.length;
    try {
      this.acts.pushValue(action, this.actSize, 'action');
      this.obs.pushValue(nextObservation, this.obsSize, 'observation');
    } catch (err) {
      // Leave the recording as it was before the bad step.
      this.obs.length = obsAt;
      this.acts.length = actAt;
      throw err;
    }
    this.rewards.push(reward);
    this.terminated.push(terminated ? 1 : 0);
    this.truncated.push(truncated ? 1 : 0);
    if (terminated || truncated) this.closeEpisode();
  }

  /** Finished episodes plus the open one's steps so far. */
  get episodeCount(): number {
    return this.finished.length + (this.open && this.rewards.length > 0 ? 1 : 0);
  }

  get stepCount(): number {
    return this.finished.reduce((a, e) => a + e.length, 0) + (this.open ? this.rewards.length : 0);
  }

  toDemonstrations(): Demonstrations {
    const episodes = [...this.finished];
    if (this.open && this.rewards.length > 0) episodes.push(this.current());
    return { envId: this.envId, observation: this.observation, action: this.action, episodes };
  }

  save(path: string): void {
    saveDemonstrations(path, this.toDemonstrations());
  }

  private current(): DemoEpisode {
    return {
      length: this.rewards.length,
      observations: this.obs.take(),
      actions: this.acts.take(),
      rewards: this.rewards.take() as Float64Array,
      terminated: this.terminated.take() as Uint8Array,
      truncated: this.truncated.take() as Uint8Array,
    };
  }

  private closeEpisode(): void {
    if (this.open && this.rewards.length > 0) this.finished.push(this.current());
    this.open = false;
    for (const c of [this.obs, this.acts, this.rewards, this.terminated, this.truncated]) c.clear();
  }
}
