import type { Rng } from '../envs/rng.js';
import {
  batchObservationIsStack,
  checkAction,
  checkBatchActions,
  checkLength,
  checkReward,
  observationIsStack,
  rowArray,
  rowOffset,
  type RowsOrFlat,
} from './inputs.js';
import { discountedReturns, gae, normalizeInPlace, nStepReturns, rewardToGo, type StepSeries } from './returns.js';
import {
  allocObsArray,
  checkActionSpec,
  checkShape,
  isObsDtype,
  shapeSize,
  type ActionInput,
  type ActionSpec,
  type ObsArrayOf,
  type ObsDtype,
  type ObservationInput,
} from './types.js';

export interface RolloutBufferConfig<D extends ObsDtype = ObsDtype> {
  /** Steps per env per rollout (T): a fixed segment length, or the longest episode kept. */
  readonly numSteps: number;
  /** Vector envs (n). Default 1. */
  readonly numEnvs?: number;
  readonly observationShape: readonly number[];
  /** Default 'float32'. */
  readonly observationDtype?: D;
  /** Default discrete. */
  readonly action?: ActionSpec;
}

/** One step of one env. */
export interface RolloutStep {
  readonly observation: ObservationInput;
  readonly action: ActionInput;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** V(s_t) from the critic; 0 when there is none (REINFORCE). */
  readonly value?: number;
  readonly logProb?: number;
  /** On a truncated step: V(final observation), so the return bootstraps from it. */
  readonly truncationValue?: number;
}

/** One step of all n envs; per-env fields flat [n, ...] or as rows. */
export interface RolloutBatchStep {
  readonly observations: RowsOrFlat;
  readonly actions: RowsOrFlat;
  readonly rewards: ArrayLike<number>;
  readonly terminated: ArrayLike<boolean | number>;
  readonly truncated: ArrayLike<boolean | number>;
  readonly values?: ArrayLike<number>;
  readonly logProbs?: ArrayLike<number>;
  /** V(final observation) for envs truncated at this step (NaN or absent elsewhere). */
  readonly truncationValues?: ArrayLike<number>;
}

/** A minibatch of flattened (t, e) samples; arrays are reused between minibatches. */
export interface RolloutMinibatch<D extends ObsDtype = ObsDtype> {
  readonly size: number;
  readonly observations: ObsArrayOf<D>;
  readonly actions: Int32Array | Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Flat [T, n] indices t * numEnvs + e of the samples. */
  readonly indices: Int32Array;
}

export interface MinibatchOptions {
  /** Normalize advantages within each minibatch (as CleanRL's PPO). Default false. */
  readonly normalizeAdvantages?: boolean;
  /** Skip a last minibatch smaller than batchSize. Default false. */
  readonly dropLast?: boolean;
}

/**
 * Storage for on-policy agents (REINFORCE, A2C, PPO): T steps of n envs in [T, n] layout
 * (index t * numEnvs + e), with observations, actions, rewards, terminated and truncated kept
 * apart, critic values, log-probs and truncation values. After a rollout, one of the compute
 * methods fills `returns` and `advantages` (= returns − values unless GAE), over the steps
 * added so far; `minibatches` then shuffles them.
 *
 * Whole episodes: with numEnvs 1 and numSteps the longest episode, add an episode's steps and
 * compute when it ends.
 */
export class RolloutBuffer<D extends ObsDtype = ObsDtype> {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly dtype: D;
  readonly action: ActionSpec;
  readonly observationShape: readonly number[];
  readonly observationSize: number;
  readonly actionDim: number;

  readonly observations: ObsArrayOf<D>;
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  /** NaN where no truncation value was given. */
  readonly truncationValues: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;

  private filled = 0;
  private readonly permutation: Int32Array;

  constructor(config: RolloutBufferConfig<D>) {
    const numEnvs = config.numEnvs ?? 1;
    const dtype = (config.observationDtype ?? 'float32') as D;
    const action = config.action ?? { kind: 'discrete' };
    if (!Number.isInteger(config.numSteps) || config.numSteps < 1) throw new RangeError(`RolloutBuffer: numSteps must be a positive integer, got ${config.numSteps}`);
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`RolloutBuffer: numEnvs must be a positive integer, got ${numEnvs}`);
    if (!isObsDtype(dtype)) throw new RangeError(`RolloutBuffer: observationDtype must be 'uint8' or 'float32', got ${String(dtype)}`);
    if (!Array.isArray(config.observationShape)) throw new TypeError('RolloutBuffer: observationShape must be an array');
    checkShape(config.observationShape, 'RolloutBuffer observationShape');
    checkActionSpec(action);
    this.numSteps = config.numSteps;
    this.numEnvs = numEnvs;
    this.dtype = dtype;
    this.action = action;
    this.observationShape = [...config.observationShape];
    this.observationSize = shapeSize(this.observationShape);
    this.actionDim = action.kind === 'discrete' ? 1 : action.dim;
    const len = this.numSteps * numEnvs;
    this.observations = allocObsArray(dtype, len * this.observationSize);
    this.actions = action.kind === 'discrete' ? new Int32Array(len) : new Float32Array(len * this.actionDim);
    this.rewards = new Float32Array(len);
    this.terminated = new Uint8Array(len);
    this.truncated = new Uint8Array(len);
    this.values = new Float32Array(len);
    this.logProbs = new Float32Array(len);
    this.truncationValues = new Float32Array(len).fill(NaN);
    this.advantages = new Float32Array(len);
    this.returns = new Float32Array(len);
    this.permutation = new Int32Array(len);
  }

  /** Time steps added (per env). */
  get stepCount(): number {
    return this.filled;
  }

  get full(): boolean {
    return this.filled === this.numSteps;
  }

  /** Samples held: stepCount × numEnvs. */
  get size(): number {
    return this.filled * this.numEnvs;
  }

  /** Starts a new rollout (contents are overwritten as steps are added). */
  reset(): void {
    this.filled = 0;
    this.truncationValues.fill(NaN);
  }

  /** Adds a step of the single env (numEnvs must be 1). */
  add(step: RolloutStep): void {
    if (this.numEnvs !== 1) throw new RangeError(`RolloutBuffer.add: buffer has ${this.numEnvs} envs; use addBatch`);
    this.checkRoom();
    observationIsStack(step.observation, this.observationSize, 1, 'observation');
    checkAction(step.action, this.action, 'action');
    checkReward(step.reward, 'reward');
    checkOptionalNumber(step.value, 'value');
    checkOptionalNumber(step.logProb, 'logProb');
    if (step.truncationValue !== undefined && typeof step.truncationValue !== 'number') throw new TypeError('truncationValue must be a number');
    const t = this.filled;
    this.writeObservation(t, step.observation, 0);
    this.writeAction(t, step.action, 0);
    this.rewards[t] = step.reward;
    this.terminated[t] = step.terminated ? 1 : 0;
    this.truncated[t] = step.truncated ? 1 : 0;
    this.values[t] = step.value ?? 0;
    this.logProbs[t] = step.logProb ?? 0;
    this.truncationValues[t] = step.truncated && step.truncationValue !== undefined ? step.truncationValue : NaN;
    this.filled++;
  }

  /** Adds one time step of all n envs. Validates everything first. */
  addBatch(step: RolloutBatchStep): void {
    const n = this.numEnvs;
    this.checkRoom();
    batchObservationIsStack(step.observations, n, this.observationSize, 1, 'observations');
    checkBatchActions(step.actions, n, this.action, 'actions');
    checkLength(step.rewards, n, 'rewards');
    checkLength(step.terminated, n, 'terminated');
    checkLength(step.truncated, n, 'truncated');
    for (let e = 0; e < n; e++) checkReward(step.rewards[e]!, `rewards[${e}]`);
    if (step.values !== undefined) checkFinite(step.values, n, 'values');
    if (step.logProbs !== undefined) checkFinite(step.logProbs, n, 'logProbs');
    if (step.truncationValues !== undefined) checkLength(step.truncationValues, n, 'truncationValues');
    const t = this.filled;
    for (let e = 0; e < n; e++) {
      const i = t * n + e;
      this.writeObservation(i, rowArray(step.observations, e), rowOffset(step.observations, e, this.observationSize));
      this.writeAction(i, rowArray(step.actions, e), rowOffset(step.actions, e, this.actionDim));
      this.rewards[i] = step.rewards[e]!;
      this.terminated[i] = step.terminated[e] ? 1 : 0;
      this.truncated[i] = step.truncated[e] ? 1 : 0;
      this.values[i] = step.values?.[e] ?? 0;
      this.logProbs[i] = step.logProbs?.[e] ?? 0;
      this.truncationValues[i] = step.truncated[e] && step.truncationValues !== undefined ? step.truncationValues[e]! : NaN;
    }
    this.filled++;
  }

  /** The steps added so far, as a series for the functions in returns.ts. */
  series(lastValues?: ArrayLike<number>): StepSeries {
    if (lastValues !== undefined) checkFinite(lastValues, this.numEnvs, 'lastValues');
    return {
      numSteps: this.filled,
      numEnvs: this.numEnvs,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      values: this.values,
      truncationValues: this.truncationValues,
      ...(lastValues === undefined ? {} : { lastValues }),
    };
  }

  /** GAE(λ) advantages and λ-returns, bootstrapping from `lastValues` (V of each env's next observation). */
  computeGae(opts: { gamma: number; lambda: number; lastValues?: ArrayLike<number> }): void {
    gae(this.series(opts.lastValues), opts.gamma, opts.lambda, this.advantages, this.returns);
  }

  /** Discounted returns (Monte Carlo, bootstrapped at the rollout's end); advantages = returns − values. */
  computeDiscountedReturns(opts: { gamma: number; lastValues?: ArrayLike<number> }): void {
    discountedReturns(this.series(opts.lastValues), opts.gamma, this.returns);
    this.advantagesFromReturns();
  }

  /** Undiscounted reward-to-go within each episode; advantages = returns − values. */
  computeRewardToGo(): void {
    rewardToGo(this.series(), this.returns);
    this.advantagesFromReturns();
  }

  /** n-step returns; advantages = returns − values. */
  computeNStepReturns(opts: { gamma: number; nStep: number; lastValues?: ArrayLike<number> }): void {
    nStepReturns(this.series(opts.lastValues), opts.gamma, opts.nStep, this.returns);
    this.advantagesFromReturns();
  }

  /** Normalizes the advantages of all steps added (mean 0, std 1). */
  normalizeAdvantages(): void {
    normalizeInPlace(this.advantages, this.size);
  }

  /**
   * Yields shuffled minibatches covering every (t, e) sample once. The yielded object and its
   * arrays are reused: consume each minibatch before asking for the next.
   */
  *minibatches(batchSize: number, rng: Rng, opts: MinibatchOptions = {}): Generator<RolloutMinibatch<D>> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`minibatches: batch size must be a positive integer, got ${batchSize}`);
    const total = this.size;
    const perm = this.permutation;
    for (let i = 0; i < total; i++) perm[i] = i;
    for (let i = total - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = tmp;
    }
    const size = Math.min(batchSize, total);
    const full = this.allocMinibatch(size);
    for (let start = 0; start < total; start += batchSize) {
      const count = Math.min(batchSize, total - start);
      if (count < batchSize && opts.dropLast) return;
      const mb = count === size ? full : sliceMinibatch(full, count, this.observationSize, this.actionDim);
      this.gatherMinibatch(mb, start, count);
      if (opts.normalizeAdvantages) normalizeInPlace(mb.advantages, count);
      yield mb;
    }
  }

  private gatherMinibatch(mb: RolloutMinibatch<D>, start: number, count: number): void {
    const obsSize = this.observationSize;
    const dim = this.actionDim;
    for (let b = 0; b < count; b++) {
      const i = this.permutation[start + b]!;
      mb.indices[b] = i;
      const src = i * obsSize;
      const dst = b * obsSize;
      for (let k = 0; k < obsSize; k++) mb.observations[dst + k] = this.observations[src + k]!;
      for (let k = 0; k < dim; k++) mb.actions[b * dim + k] = this.actions[i * dim + k]!;
      mb.logProbs[b] = this.logProbs[i]!;
      mb.values[b] = this.values[i]!;
      mb.advantages[b] = this.advantages[i]!;
      mb.returns[b] = this.returns[i]!;
    }
  }

  private allocMinibatch(size: number): RolloutMinibatch<D> {
    return {
      size,
      observations: allocObsArray(this.dtype, size * this.observationSize),
      actions: this.action.kind === 'discrete' ? new Int32Array(size) : new Float32Array(size * this.actionDim),
      logProbs: new Float32Array(size),
      values: new Float32Array(size),
      advantages: new Float32Array(size),
      returns: new Float32Array(size),
      indices: new Int32Array(size),
    };
  }

  private advantagesFromReturns(): void {
    for (let i = 0; i < this.size; i++) this.advantages[i] = this.returns[i]! - this.values[i]!;
  }

  private checkRoom(): void {
    if (this.filled >= this.numSteps) throw new RangeError(`RolloutBuffer is full (${this.numSteps} steps); compute, then reset()`);
  }

  private writeObservation(i: number, src: ObservationInput, offset: number): void {
    const size = this.observationSize;
    const dst = i * size;
    if (typeof src === 'number') this.observations[dst] = src;
    else for (let k = 0; k < size; k++) this.observations[dst + k] = src[offset + k]!;
  }

  private writeAction(i: number, src: ActionInput, offset: number): void {
    const dim = this.actionDim;
    if (typeof src === 'number') this.actions[i * dim] = src;
    else for (let k = 0; k < dim; k++) this.actions[i * dim + k] = src[offset + k]!;
  }
}

function sliceMinibatch<D extends ObsDtype>(mb: RolloutMinibatch<D>, count: number, obsSize: number, dim: number): RolloutMinibatch<D> {
  return {
    size: count,
    observations: mb.observations.subarray(0, count * obsSize) as ObsArrayOf<D>,
    actions: mb.actions.subarray(0, count * dim),
    logProbs: mb.logProbs.subarray(0, count),
    values: mb.values.subarray(0, count),
    advantages: mb.advantages.subarray(0, count),
    returns: mb.returns.subarray(0, count),
    indices: mb.indices.subarray(0, count),
  };
}

function checkOptionalNumber(x: number | undefined, what: string): void {
  if (x !== undefined && !Number.isFinite(x)) throw new RangeError(`${what} must be a finite number, got ${String(x)}`);
}

function checkFinite(x: ArrayLike<number>, n: number, what: string): void {
  checkLength(x, n, what);
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) throw new RangeError(`${what}[${i}] = ${x[i]} is not finite`);
}
