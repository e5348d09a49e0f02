import type { EnvMetadata, EnvSpec, Info } from '../core.js';
import type { Space } from '../spaces/space.js';

/** One typed array holding a whole batch, row-major [numEnvs, ...single shape]. */
export type BatchArray = Float32Array | Float64Array | Uint8Array | Int32Array;

/** One sub-env's observation as it appears in `finalObservation`: a number (Discrete) or a flat array. */
export type SingleObservation = number | BatchArray;

/**
 * When a finished sub-env is reset (Gymnasium 1.x `AutoresetMode`):
 * - 'next-step': the step after an episode ends resets that sub-env, ignores its action and
 *   returns the reset observation with reward 0 and terminated = truncated = false.
 * - 'same-step': the sub-env is reset in the step that ends the episode; the returned observation
 *   is the reset one and the episode's last observation / info go to `infos.finalObservation` /
 *   `infos.finalInfo`.
 */
export type AutoresetMode = 'next-step' | 'same-step';

export interface VecResetOptions {
  /** One integer (sub-env i gets seed + i) or one seed per sub-env (null leaves that env unseeded). */
  seed?: number | ReadonlyArray<number | null | undefined>;
  /** Passed to every sub-env's `reset`. */
  options?: Record<string, unknown>;
}

/**
 * Per-env infos merged Gymnasium-style: for every key any sub-env reported, `infos[key]` holds
 * one entry per env and `infos['_' + key]` a Uint8Array mask of the envs that reported it.
 * Numbers batch into a Float64Array (0 where absent), booleans into a Uint8Array, plain objects
 * recursively into the same form, anything else into an array (null where absent).
 * In 'same-step' mode a step where some env finished also carries `finalObservation` and
 * `finalInfo` (the episode's last observation / raw info per env index, null elsewhere) with
 * their masks `_finalObservation` / `_finalInfo`.
 */
export interface VecInfos {
  [key: string]: unknown;
  finalObservation?: Array<SingleObservation | null>;
  _finalObservation?: Uint8Array;
  finalInfo?: Array<Info | null>;
  _finalInfo?: Uint8Array;
}

export interface VecResetResult<O extends BatchArray = BatchArray> {
  observations: O;
  infos: VecInfos;
}

export interface VecStepResult<O extends BatchArray = BatchArray> {
  observations: O;
  rewards: Float64Array;
  terminations: Uint8Array;
  truncations: Uint8Array;
  infos: VecInfos;
}

/**
 * A batch of `numEnvs` copies of one env stepped together (Gymnasium 1.x `VectorEnv`).
 * `SyncVectorEnv` answers synchronously and `AsyncVectorEnv` with promises: generic code should
 * `await` every call, which works for both.
 */
export interface VectorEnv<O extends BatchArray = BatchArray> {
  readonly numEnvs: number;
  readonly autoresetMode: AutoresetMode;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  /** Box [numEnvs, ...obs] (Box obs) or MultiDiscrete of length numEnvs (Discrete obs, Int32Array). */
  readonly observationSpace: Space;
  /** MultiDiscrete of length numEnvs (Discrete actions) or Box [numEnvs, ...action] (Box actions). */
  readonly actionSpace: Space;
  readonly metadata: EnvMetadata;
  /** Spec of the sub-envs, when they came from the registry. */
  readonly spec: EnvSpec | null;
  readonly closed: boolean;
  reset(opts?: VecResetOptions): VecResetResult<O> | Promise<VecResetResult<O>>;
  /**
   * One action per env in one flat array: numEnvs integers for Discrete actions, numEnvs × size
   * numbers (row-major) for Box actions. Typed arrays and number[] are both accepted.
   */
  step(actions: ArrayLike<number>): VecStepResult<O> | Promise<VecStepResult<O>>;
  close(): void | Promise<void>;
}
