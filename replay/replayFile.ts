// The replay file: its magic and version, and parsing of the header metadata it carries. The byte
// layout is the generic container's (container.ts); the buffers say what goes in it.
import { Rng, type RngState } from '../envs/rng.js';
import { ContainerReader, ReplayFileError, type IoSection } from './container.js';
import { resolveReplayConfig, type ReplayBufferConfig, type ResolvedReplayConfig } from './replayConfig.js';

export const REPLAY_FILE_MAGIC = 'PXGRPLAY';
export const REPLAY_FILE_VERSION = 1;

/** What a subclass's restore adds: sections to read and a commit run after they are read. */
export interface RestorePlan {
  readonly sections: IoSection[];
  commit(): void;
}

/** Reads only the configuration stored in a replay file (no checksum pass). */
export function readReplayConfig(path: string): ResolvedReplayConfig & { readonly kind: string } {
  const meta = readReplayMeta(path);
  return { ...parseStoredConfig(meta['config'], path), kind: String(meta['kind']) };
}

/** The header metadata of a replay file (structure checked, no checksum pass). */
export function readReplayMeta(path: string): Record<string, unknown> {
  const reader = ContainerReader.open(path, REPLAY_FILE_MAGIC, [REPLAY_FILE_VERSION]);
  try {
    return asRecord(reader.meta, path);
  } finally {
    reader.close();
  }
}

export function parseStoredConfig(raw: unknown, path: string): ResolvedReplayConfig {
  try {
    const c = raw as ReplayBufferConfig;
    return resolveReplayConfig({
      capacity: c.capacity,
      observationShape: c.observationShape,
      observationDtype: c.observationDtype,
      frameStack: c.frameStack,
      action: c.action,
      numEnvs: c.numEnvs,
      nStep: c.nStep,
      gamma: c.gamma,
    } as ReplayBufferConfig);
  } catch (err) {
    throw new ReplayFileError(path, `corrupt config: ${(err as Error).message}`);
  }
}

export function asRecord(x: unknown, path: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null) throw new ReplayFileError(path, 'corrupt header: no meta');
  return x as Record<string, unknown>;
}

export function numberArray(x: unknown, n: number, path: string, what: string): number[] {
  if (!Array.isArray(x) || x.length !== n || x.some((v) => typeof v !== 'number')) throw new ReplayFileError(path, `corrupt: ${what} must be ${n} numbers`);
  return x as number[];
}

export function parseRngState(x: unknown, path: string): RngState {
  const r = x as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r['words']) || (r['words'] as unknown[]).some((w) => !Number.isInteger(w))) {
    throw new ReplayFileError(path, 'corrupt: bad RNG state');
  }
  const spare = r['spareNormal'];
  if (spare !== null && typeof spare !== 'number') throw new ReplayFileError(path, 'corrupt: bad RNG state');
  const state: RngState = { words: [...(r['words'] as number[])], spareNormal: spare };
  try {
    new Rng(0).setState(state); // the generator checks its own state's form
  } catch (err) {
    throw new ReplayFileError(path, `corrupt: bad RNG state (${(err as Error).message})`);
  }
  return state;
}
