// Shared shapes of what goes into and comes out of the replay buffers.

/** Element types an observation can be stored as. */
export type ObsDtype = 'uint8' | 'float32';

/** The typed array that holds observations of a given dtype. */
export type ObsArrayOf<D extends ObsDtype> = D extends 'uint8' ? Uint8Array : Float32Array;

export type ObsArray = Uint8Array | Float32Array;

/** Discrete actions are stored as Int32, continuous ones as Float32 vectors of `dim` values. */
export type ActionSpec = { readonly kind: 'discrete' } | { readonly kind: 'continuous'; readonly dim: number };

/** An observation as envs hand it out: a flat row-major array, or a number for Discrete spaces. */
export type ObservationInput = ArrayLike<number> | number;

/** A discrete action (integer) or a continuous action vector. */
export type ActionInput = number | ArrayLike<number>;

/**
 * One env step, structurally: any step object carrying these fields fits (e.g. the steps of
 * envs/streams). `nextObservation` is the true next observation, also on the last step of an
 * episode (the final observation, not the one after an automatic reset).
 */
export interface Transition {
  readonly observation: ObservationInput;
  readonly action: ActionInput;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly nextObservation: ObservationInput;
}

/**
 * One step of n vector envs. Per-env fields are either flat arrays laid out [n, ...shape] or an
 * array of n per-env rows. `mask[e]` false skips env e (e.g. the reset step of an autoresetting
 * vector env, which is not a transition).
 */
export interface TransitionBatch {
  readonly observations: ArrayLike<number> | readonly ArrayLike<number>[];
  readonly actions: ArrayLike<number> | readonly ArrayLike<number>[];
  readonly rewards: ArrayLike<number>;
  readonly terminated: ArrayLike<boolean | number>;
  readonly truncated: ArrayLike<boolean | number>;
  readonly nextObservations: ArrayLike<number> | readonly ArrayLike<number>[];
  readonly mask?: ArrayLike<boolean | number>;
}

/**
 * A sampled batch, laid out for `tf.tensor`: observations are [B, ...sampleShape] contiguous.
 * With n-step returns, `rewards` holds the discounted sum over the window, `nextObservations`
 * the observation to bootstrap from (m ≤ n steps ahead) and `discounts` γ^m. Bootstrap as
 * `rewards + discounts * (1 - terminated) * V(nextObservations)`: truncation (a time limit)
 * bootstraps, termination does not.
 */
export interface ReplayBatch<D extends ObsDtype = ObsDtype> {
  readonly batchSize: number;
  readonly observations: ObsArrayOf<D>;
  readonly nextObservations: ObsArrayOf<D>;
  /** [B] Int32 for discrete actions, [B, dim] Float32 for continuous ones. */
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the window ended by termination (no bootstrap), else 0. */
  readonly terminated: Float32Array;
  /** 1 where the window ended by truncation (bootstrap from nextObservations), else 0. */
  readonly truncated: Float32Array;
  /** γ^m for a window of m steps. */
  readonly discounts: Float32Array;
  /** Importance-sampling weights (all 1 for uniform sampling). */
  readonly weights: Float32Array;
  /** Storage slots sampled; pass them back to `updatePriorities`. */
  readonly indices: Int32Array;
}

export function allocObsArray<D extends ObsDtype>(dtype: D, length: number): ObsArrayOf<D> {
  return (dtype === 'uint8' ? new Uint8Array(length) : new Float32Array(length)) as ObsArrayOf<D>;
}

export function isObsDtype(x: unknown): x is ObsDtype {
  return x === 'uint8' || x === 'float32';
}

/** Number of elements of a shape ([] is a scalar: 1). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(shape: readonly number[], what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`${what}: bad shape [${shape.join(', ')}]`);
  }
}

export function checkActionSpec(spec: ActionSpec): void {
  if (spec.kind === 'discrete') return;
  if (spec.kind !== 'continuous' || !Number.isInteger(spec.dim) || spec.dim < 1) {
    throw new RangeError(`action spec must be { kind: 'discrete' } or { kind: 'continuous', dim ≥ 1 }, got ${JSON.stringify(spec)}`);
  }
}
