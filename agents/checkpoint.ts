// Checkpoints: numbered directories under <run>/checkpoints, each with a manifest (sizes and SHA-256 of
// every file) written last, and a pointer file (latest.json) replaced atomically once a checkpoint is
// complete. The last `keep` checkpoints stay on disk. A run killed at any moment resumes from the
// pointer's checkpoint, which is always whole.
//
// Env state: an env's state is not serializable in general, but it is a function of its random
// streams and the actions taken since its last reset. A checkpoint records, per env, the RNG states
// just before that reset (or the seed it was reset with) and the actions since; resuming rebuilds the
// env, restores those RNG states, resets and replays the actions.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Env } from '../envs/core.js';
import type { RngState } from '../envs/rng.js';
import { readJsonFile, writeJsonFile } from './common.js';

export const CHECKPOINT_FORMAT = 1;
const POINTER = 'latest.json';
const MANIFEST = 'manifest.json';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface CheckpointInfo {
  /** Directory of the checkpoint. */
  dir: string;
  name: string;
  /** Env steps of the run when it was taken. */
  step: number;
}

interface Manifest {
  format: number;
  step: number;
  files: Array<{ path: string; bytes: number; sha256: string }>;
}

function listFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, root));
    else out.push(relative(root, p));
  }
  return out;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(10, '0')}`;
}

/**
 * Writes a checkpoint: `write(dir)` fills a fresh directory, the manifest is added, the directory is
 * renamed into place and the pointer updated; older checkpoints beyond `keep` are removed.
 */
export async function writeCheckpoint(root: string, step: number, write: (dir: string) => Promise<void>, keep = 2): Promise<CheckpointInfo> {
  mkdirSync(root, { recursive: true });
  const name = checkpointName(step);
  const tmp = join(root, `.${name}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await write(tmp);
    const files = listFiles(tmp).map((path) => ({ path, bytes: statSync(join(tmp, path)).size, sha256: sha256(join(tmp, path)) }));
    const manifest: Manifest = { format: CHECKPOINT_FORMAT, step, files };
    writeJsonFile(join(tmp, MANIFEST), manifest);
    const dir = join(root, name);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  writeJsonFile(join(root, POINTER), { name, step });
  prune(root, keep, name);
  return { dir: join(root, name), name, step };
}

function prune(root: string, keep: number, current: string): void {
  const names = readdirSync(root)
    .filter((n) => /^ckpt-\d+$/.test(n))
    .sort();
  const keepSet = new Set(names.slice(Math.max(0, names.length - keep)));
  keepSet.add(current);
  for (const n of names) if (!keepSet.has(n)) rmSync(join(root, n), { recursive: true, force: true });
  for (const n of readdirSync(root)) if (n.startsWith('.ckpt-') && n.endsWith('.tmp') && !n.includes(`.${process.pid}.`)) rmSync(join(root, n), { recursive: true, force: true });
}

/** Throws a CheckpointError unless every file the manifest lists is present and unchanged. */
export function verifyCheckpoint(dir: string): Manifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new CheckpointError(`checkpoint ${dir} is incomplete or corrupt: ${MANIFEST} is missing`);
  let m: Manifest;
  try {
    m = readJsonFile<Manifest>(path, 'checkpoint manifest');
  } catch (err) {
    throw new CheckpointError(`checkpoint ${dir} is corrupt: ${(err as Error).message}`);
  }
  if (m.format !== CHECKPOINT_FORMAT || !Array.isArray(m.files) || !Number.isInteger(m.step))
    throw new CheckpointError(`checkpoint ${dir} is corrupt: bad manifest`);
  for (const f of m.files) {
    const p = join(dir, f.path);
    if (!existsSync(p)) throw new CheckpointError(`checkpoint ${dir} is corrupt: ${f.path} is missing`);
    const bytes = statSync(p).size;
    if (bytes !== f.bytes) throw new CheckpointError(`checkpoint ${dir} is corrupt: ${f.path} has ${bytes} bytes, the manifest says ${f.bytes}`);
    if (sha256(p) !== f.sha256) throw new CheckpointError(`checkpoint ${dir} is corrupt: ${f.path} does not match its SHA-256 in the manifest`);
  }
  return m;
}

/** The checkpoint the pointer names, verified; null when the run has none. */
export function latestCheckpoint(root: string): CheckpointInfo | null {
  const pointer = join(root, POINTER);
  if (!existsSync(pointer)) return null;
  let p: { name?: unknown; step?: unknown };
  try {
    p = readJsonFile<{ name?: unknown; step?: unknown }>(pointer, 'checkpoint pointer');
  } catch (err) {
    throw new CheckpointError(`checkpoint pointer ${pointer} is corrupt: ${(err as Error).message}`);
  }
  if (typeof p.name !== 'string' || !/^ckpt-\d+$/.test(p.name) || !Number.isInteger(p.step))
    throw new CheckpointError(`checkpoint pointer ${pointer} is corrupt`);
  const dir = join(root, p.name);
  if (!existsSync(dir)) throw new CheckpointError(`checkpoint pointer ${pointer} names ${p.name}, which does not exist`);
  const m = verifyCheckpoint(dir);
  return { dir, name: p.name, step: m.step };
}

// ------------------------------------------------------------------------------------ env RNGs

interface RngLike {
  getState(): RngState;
  setState(s: RngState): void;
  nextUint32(): number;
}

function isRngLike(x: unknown): x is RngLike {
  const r = x as Partial<RngLike> | null;
  return !!r && typeof r === 'object' && typeof r.getState === 'function' && typeof r.setState === 'function' && typeof r.nextUint32 === 'function';
}

interface RngAccessor {
  get(): RngState;
  set(s: RngState): void;
}

/**
 * The random streams of an env and its wrappers, in a fixed order: a layer's getRngState/setRngState
 * when it has them (BaseEnv), else Rng-valued own properties and `.rng` of own properties (a
 * wrapper's WrapperRng, a user env's `this.rng`, spaces' samplers).
 */
function rngAccessors(env: Env): RngAccessor[] {
  const layers: object[] = [];
  const seen = new Set<object>();
  let e: unknown = env;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    layers.push(e);
    e = (e as { env?: unknown }).env;
  }
  const inner = env.unwrapped as unknown as object;
  if (inner && !seen.has(inner)) layers.push(inner);
  const out: RngAccessor[] = [];
  for (const layer of layers) {
    const l = layer as Record<string, unknown> & { getRngState?: () => RngState; setRngState?: (s: RngState) => void };
    if (typeof l.getRngState === 'function' && typeof l.setRngState === 'function') {
      out.push({ get: () => l.getRngState!(), set: (s) => l.setRngState!(s) });
    }
    for (const key of Object.keys(l).sort()) {
      if (key === 'env') continue;
      const v = l[key];
      if (typeof l.getRngState === 'function' && key === 'rng') continue;
      if (isRngLike(v)) out.push({ get: () => (l[key] as RngLike).getState(), set: (s) => (l[key] as RngLike).setState(s) });
      else if (v && typeof v === 'object' && isRngLike((v as { rng?: unknown }).rng)) {
        out.push({ get: () => ((l[key] as { rng: RngLike }).rng).getState(), set: (s) => ((l[key] as { rng: RngLike }).rng).setState(s) });
      }
    }
  }
  return out;
}

export function getEnvRngStates(env: Env): RngState[] {
  return rngAccessors(env).map((a) => a.get());
}

export function setEnvRngStates(env: Env, states: RngState[]): void {
  const acc = rngAccessors(env);
  if (acc.length !== states.length) throw new CheckpointError(`env has ${acc.length} random streams, the checkpoint ${states.length}`);
  acc.forEach((a, i) => a.set(states[i]!));
}

/** How one training env got to its current state: its last reset and the actions since. */
export interface EnvReplay {
  /** The seed of the last reset, when it was seeded (the run's first episode). */
  resetSeed: number | null;
  /** RNG states just before an unseeded last reset. */
  rngBefore: RngState[] | null;
  /** Actions since the last reset (numbers or arrays). */
  actions: Array<number | number[]>;
}
