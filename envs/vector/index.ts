/**
 * Vector envs: `numEnvs` copies of one env stepped as a batch, with Gymnasium 1.x semantics.
 *
 * - `SyncVectorEnv` steps them in this thread; `AsyncVectorEnv` in worker threads over shared
 *   memory. `makeVec(id, n, { async })` builds either from a registered id.
 * - Batches are one typed array each: observations [numEnvs, ...obs] in the single space's dtype
 *   (Int32Array of numEnvs for Discrete observations), rewards Float64Array, terminations and
 *   truncations Uint8Array (0/1). Actions go in as one flat array (numEnvs integers for Discrete,
 *   numEnvs × size numbers for Box), checked whole before any env sees them.
 * - `reset({ seed })` seeds sub-env i with seed + i (or takes a list of seeds).
 * - Autoreset, 'next-step' (default): when sub-env i's episode ends in step t, step t returns its
 *   last observation with the real reward and flags; step t + 1 resets it, ignores its action and
 *   returns the reset observation, reward 0, terminated = truncated = false and the reset info.
 * - Autoreset, 'same-step': step t resets sub-env i at once and returns the reset observation and
 *   reset info with step t's reward and flags; the episode's last observation and info are in
 *   `infos.finalObservation[i]` / `infos.finalInfo[i]` (masks `_finalObservation`, `_finalInfo`).
 * - Infos are merged per key with a mask, Gymnasium-style (see `VecInfos`).
 * - A sub-env that throws surfaces as a `VectorEnvError` naming its index; the batch then needs
 *   a reset. A dead or stuck worker closes the AsyncVectorEnv.
 */
export type {
  AutoresetMode,
  BatchArray,
  SingleObservation,
  VecInfos,
  VecResetOptions,
  VecResetResult,
  VecStepResult,
  VectorEnv,
} from './types.js';
export { VectorEnvError } from './errors.js';
export { SyncVectorEnv, type SyncVectorEnvOptions } from './sync.js';
export { AsyncVectorEnv, type AsyncVectorEnvOptions, type WorkerState } from './async.js';
export { defaultWorkerScript } from './asyncOptions.js';
export { makeVec, type MakeVecOptions } from './makeVec.js';
export { batchSpace } from './batchSpace.js';
export { mergeInfos } from './infos.js';
export type { VectorEnvOptions } from './options.js';
export type { WrapperFn, WrapperRef } from './modules.js';
