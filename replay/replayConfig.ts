import { checkActionSpec, checkShape, isObsDtype, type ActionSpec, type ObsDtype } from './types.js';

export interface ReplayBufferConfig<D extends ObsDtype = ObsDtype> {
  /** Storage slots in all; each env gets floor(capacity / numEnvs) of them (its segment). */
  readonly capacity: number;
  /** Shape of one frame, e.g. [84, 84, 1], or of the whole observation when frames are not stacked. */
  readonly observationShape: readonly number[];
  /** Default 'float32'. */
  readonly observationDtype?: D;
  /** Frames per stacked observation (stacked along the last axis). Default 1. */
  readonly frameStack?: number;
  /** Default discrete. */
  readonly action?: ActionSpec;
  /** Envs writing in parallel through `addBatch`. Default 1. */
  readonly numEnvs?: number;
  /** Steps per return window. Default 1. */
  readonly nStep?: number;
  /** Discount for n-step sums and `discounts`. Default 0.99. */
  readonly gamma?: number;
  /** Seed of the sampling Rng. Default 0. */
  readonly seed?: number;
  /**
   * Largest typed array the frames are split into (Node 20 caps one at 4 GiB). Default 1 GiB.
   * Only memory layout: files do not depend on it.
   */
  readonly storageChunkBytes?: number;
  /**
   * Build uint8 stacks of 4 single-channel frames with the wasm SIMD kernel when the platform has
   * it (default true); false uses the scalar JavaScript path. Results are identical.
   */
  readonly simd?: boolean;
}

/** The configuration a buffer was built with, all defaults filled in. */
export interface ResolvedReplayConfig {
  readonly capacity: number;
  readonly observationShape: readonly number[];
  readonly observationDtype: ObsDtype;
  readonly frameStack: number;
  readonly action: ActionSpec;
  readonly numEnvs: number;
  readonly nStep: number;
  readonly gamma: number;
}

/** Checks a configuration and fills in the defaults. Throws a RangeError or TypeError on bad values. */
export function resolveReplayConfig<D extends ObsDtype>(config: ReplayBufferConfig<D>): ResolvedReplayConfig {
  if (config === null || typeof config !== 'object') throw new TypeError('ReplayBuffer: expected a config object');
  const numEnvs = config.numEnvs ?? 1;
  const frameStack = config.frameStack ?? 1;
  const nStep = config.nStep ?? 1;
  const gamma = config.gamma ?? 0.99;
  const observationDtype = config.observationDtype ?? 'float32';
  const action = config.action ?? { kind: 'discrete' };
  if (!Number.isInteger(config.capacity) || config.capacity < 1 || config.capacity > 2 ** 31 - 1) {
    throw new RangeError(`ReplayBuffer: capacity must be an integer in [1, 2^31), got ${config.capacity}`);
  }
  if (!Array.isArray(config.observationShape)) throw new TypeError('ReplayBuffer: observationShape must be an array');
  checkShape(config.observationShape, 'ReplayBuffer observationShape');
  if (!isObsDtype(observationDtype)) throw new RangeError(`ReplayBuffer: observationDtype must be 'uint8' or 'float32', got ${String(observationDtype)}`);
  if (!Number.isInteger(frameStack) || frameStack < 1) throw new RangeError(`ReplayBuffer: frameStack must be a positive integer, got ${frameStack}`);
  if (frameStack > 1 && config.observationShape.length === 0) throw new RangeError('ReplayBuffer: stacking needs an observation shape with a last axis');
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`ReplayBuffer: numEnvs must be a positive integer, got ${numEnvs}`);
  if (!Number.isInteger(nStep) || nStep < 1) throw new RangeError(`ReplayBuffer: nStep must be a positive integer, got ${nStep}`);
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`ReplayBuffer: gamma must be in [0, 1], got ${gamma}`);
  checkActionSpec(action);
  if (config.seed !== undefined && !Number.isInteger(config.seed)) throw new TypeError(`ReplayBuffer: seed must be an integer, got ${config.seed}`);
  return {
    capacity: Math.floor(config.capacity / numEnvs) * numEnvs,
    observationShape: [...config.observationShape],
    observationDtype,
    frameStack,
    action: action.kind === 'discrete' ? { kind: 'discrete' } : { kind: 'continuous', dim: action.dim },
    numEnvs,
    nStep,
    gamma,
  };
}
