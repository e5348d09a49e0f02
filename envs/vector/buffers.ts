import type { Info } from '../core.js';
import { hasKeys, mergeInfos } from './infos.js';
import { allocBatch, type SlotLayout } from './layout.js';
import type { AutoresetMode, BatchArray, SingleObservation, VecInfos, VecResetResult, VecStepResult } from './types.js';

/**
 * The memory a batch lives in. Sub-env i writes its observation at offset i × obs size and its
 * reward / flags at index i, and reads its action at offset i × action size. In AsyncVectorEnv
 * every array is backed by a SharedArrayBuffer that the workers write into directly.
 */
export interface BatchBuffers {
  readonly observations: BatchArray;
  readonly rewards: Float64Array;
  readonly terminations: Uint8Array;
  readonly truncations: Uint8Array;
  /** The last observation of episodes that ended this step ('same-step' mode only). */
  readonly finalObservations: BatchArray | null;
  readonly actions: BatchArray;
}

export function allocBuffers(numEnvs: number, obs: SlotLayout, act: SlotLayout, mode: AutoresetMode, shared: boolean): BatchBuffers {
  const u8 = (n: number) => allocBatch('uint8', n, shared) as Uint8Array;
  return {
    observations: allocBatch(obs.dtype, numEnvs * obs.size, shared),
    rewards: allocBatch('float64', numEnvs, shared) as Float64Array,
    terminations: u8(numEnvs),
    truncations: u8(numEnvs),
    finalObservations: mode === 'same-step' ? allocBatch(obs.dtype, numEnvs * obs.size, shared) : null,
    actions: allocBatch(act.dtype, numEnvs * act.size, shared),
  };
}

function batched<T extends BatchArray>(a: T, copy: boolean): T {
  // The copy constructor is several times faster than slice() on small arrays, and always gives
  // a plain (not shared) buffer.
  if (!copy) return a;
  if (a instanceof Float32Array) return new Float32Array(a) as T;
  if (a instanceof Float64Array) return new Float64Array(a) as T;
  if (a instanceof Uint8Array) return new Uint8Array(a) as T;
  return new Int32Array(a) as T;
}

export function resetResult(bufs: BatchBuffers, numEnvs: number, infos: ReadonlyArray<Info | null>, copy: boolean): VecResetResult {
  return { observations: batched(bufs.observations, copy), infos: mergeInfos(infos, numEnvs) };
}

/**
 * The step's result from the buffers. `finalInfos[i]` is the raw info of an episode that
 * ended in this step ('same-step' mode); null (or a missing list) means an empty info.
 */
export function stepResult(
  bufs: BatchBuffers,
  numEnvs: number,
  obs: SlotLayout,
  infos: ReadonlyArray<Info | null>,
  finalInfos: ReadonlyArray<Info | null> | null,
  copy: boolean,
): VecStepResult {
  let anyInfo = false;
  for (let i = 0; i < numEnvs && !anyInfo; i++) anyInfo = hasKeys(infos[i]);
  const vecInfos: VecInfos = anyInfo ? mergeInfos(infos, numEnvs) : {};
  const fin = bufs.finalObservations;
  if (fin) addFinals(vecInfos, bufs, fin, numEnvs, obs, finalInfos);
  return {
    observations: batched(bufs.observations, copy),
    rewards: batched(bufs.rewards, copy),
    terminations: batched(bufs.terminations, copy),
    truncations: batched(bufs.truncations, copy),
    infos: vecInfos,
  };
}

function addFinals(
  out: VecInfos,
  bufs: BatchBuffers,
  fin: BatchArray,
  numEnvs: number,
  obs: SlotLayout,
  finalInfos: ReadonlyArray<Info | null> | null,
): void {
  let any = false;
  for (let i = 0; i < numEnvs && !any; i++) any = bufs.terminations[i] === 1 || bufs.truncations[i] === 1;
  if (!any) return;
  const finalObservation: Array<SingleObservation | null> = new Array<SingleObservation | null>(numEnvs).fill(null);
  const finalInfo: Array<Info | null> = new Array<Info | null>(numEnvs).fill(null);
  const mask = new Uint8Array(numEnvs);
  const size = obs.size;
  for (let i = 0; i < numEnvs; i++) {
    if (bufs.terminations[i] !== 1 && bufs.truncations[i] !== 1) continue;
    mask[i] = 1;
    finalObservation[i] = obs.kind === 'discrete' ? fin[i]! : fin.slice(i * size, (i + 1) * size);
    finalInfo[i] = finalInfos?.[i] ?? {};
  }
  out.finalObservation = finalObservation;
  out._finalObservation = mask;
  out.finalInfo = finalInfo;
  out._finalInfo = mask.slice();
}
