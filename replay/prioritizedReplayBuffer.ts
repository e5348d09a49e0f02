import { ReplayFileError, type IoSection } from './container.js';
import { ReplayBuffer } from './replayBuffer.js';
import type { ReplayBufferConfig } from './replayConfig.js';
import { readReplayConfig, readReplayMeta, type RestorePlan } from './replayFile.js';
import { MinTree, SumTree } from './segmentTree.js';
import type { ObsDtype, ReplayBatch } from './types.js';

/** β as a function of the number of `sample` calls made so far. */
export type BetaSchedule = (sampleCalls: number) => number;

/** β rising linearly from `start` to `end` over `steps` sample calls, then held (Schaul et al.: 0.4 → 1). */
export function linearSchedule(start: number, end: number, steps: number): BetaSchedule {
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError('linearSchedule: start and end must be finite');
  if (!(steps > 0)) throw new RangeError(`linearSchedule: steps must be > 0, got ${steps}`);
  return (t) => start + (end - start) * Math.min(1, t / steps);
}

export interface PrioritizedReplayConfig<D extends ObsDtype = ObsDtype> extends ReplayBufferConfig<D> {
  /** Priority exponent: P(i) ∝ p_i^α. Default 0.6. */
  readonly alpha?: number;
  /** Importance-sampling exponent, fixed or scheduled. Default 0.4. */
  readonly beta?: number | BetaSchedule;
  /** Added to |δ| so no transition gets zero priority. Default 1e-6. */
  readonly epsilon?: number;
}

/**
 * Proportional prioritized replay (Schaul et al. 2016) on top of `ReplayBuffer`'s storage.
 *
 * A sum tree and a min tree over the slots hold p_i^α for every sampleable transition and 0 for
 * every other slot, kept in step as slots are written, overwritten or completed. New transitions
 * get the largest priority seen so far. `sample` draws one transition from each of B equal
 * segments of the total (stratified), in O(B log N), and returns importance-sampling weights
 * w_i = (N·P(i))^-β / max_j (N·P(j))^-β = (p_i^α / min_j p_j^α)^-β, normalized by the largest
 * weight over the whole buffer.
 *
 * Priorities refer to slots: `updatePriorities` ignores slots that stopped being sampleable since
 * they were sampled (overwritten in between, with adds interleaved).
 */
export class PrioritizedReplayBuffer<D extends ObsDtype = ObsDtype> extends ReplayBuffer<D> {
  readonly alpha: number;
  readonly epsilon: number;
  private readonly sums: SumTree;
  private readonly mins: MinTree;
  private maxPriority = 1;
  private betaSetting: number | BetaSchedule;
  private sampleCalls = 0;

  constructor(config: PrioritizedReplayConfig<D>) {
    super(config);
    const alpha = config.alpha ?? 0.6;
    const epsilon = config.epsilon ?? 1e-6;
    if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`PrioritizedReplayBuffer: alpha must be ≥ 0, got ${alpha}`);
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`PrioritizedReplayBuffer: epsilon must be > 0, got ${epsilon}`);
    this.alpha = alpha;
    this.epsilon = epsilon;
    this.betaSetting = checkBeta(config.beta ?? 0.4);
    this.sums = new SumTree(this.capacity);
    this.mins = new MinTree(this.capacity);
    this.trackValidity = true;
  }

  /** The β the next `sample` call will use. */
  get beta(): number {
    const b = typeof this.betaSetting === 'number' ? this.betaSetting : this.betaSetting(this.sampleCalls);
    if (!(b >= 0) || !Number.isFinite(b)) throw new RangeError(`PrioritizedReplayBuffer: beta schedule gave ${b}`);
    return b;
  }

  /** Sets a fixed β or a schedule over sample calls. */
  setBeta(beta: number | BetaSchedule): void {
    this.betaSetting = checkBeta(beta);
  }

  /** `sample` calls made so far (the schedule's clock). */
  get samplesDrawn(): number {
    return this.sampleCalls;
  }

  /** Sum of p^α over sampleable transitions. */
  get totalPriority(): number {
    return this.sums.total;
  }

  /** p^α of `slot` (0 when it holds nothing sampleable). */
  priority(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) throw new RangeError(`priority: slot ${slot} out of [0, ${this.capacity})`);
    return this.sums.get(slot);
  }

  /**
   * Sets priority (|δ| + ε)^α for each sampled slot. Validates all pairs first: bad input throws
   * and changes nothing. O(B log N).
   */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    if (indices.length !== tdErrors.length) throw new RangeError(`updatePriorities: ${indices.length} indices but ${tdErrors.length} TD errors`);
    for (let i = 0; i < indices.length; i++) {
      const slot = indices[i]!;
      if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) throw new RangeError(`updatePriorities: index ${slot} out of [0, ${this.capacity})`);
      if (!Number.isFinite(tdErrors[i]!)) throw new RangeError(`updatePriorities: TD error ${tdErrors[i]} at ${i} is not finite`);
    }
    for (let i = 0; i < indices.length; i++) {
      const slot = indices[i]!;
      if (this.sums.get(slot) === 0) continue;
      const p = (Math.abs(tdErrors[i]!) + this.epsilon) ** this.alpha;
      this.sums.set(slot, p);
      this.mins.set(slot, p);
      if (p > this.maxPriority) this.maxPriority = p;
    }
  }

  override canSample(): boolean {
    return this.sums.total > 0;
  }

  override clear(): void {
    super.clear();
    this.sums.clear();
    this.mins.clear();
    this.maxPriority = 1;
  }

  protected override onSampleable(slot: number): void {
    if (this.sums.get(slot) === 0) {
      this.sums.set(slot, this.maxPriority);
      this.mins.set(slot, this.maxPriority);
    }
  }

  protected override onUnsampleable(slot: number): void {
    if (this.sums.get(slot) !== 0) {
      this.sums.set(slot, 0);
      this.mins.set(slot, Infinity);
    }
  }

  protected override selectIndices(batchSize: number, batch: ReplayBatch<D>): void {
    const beta = this.beta;
    this.sampleCalls++;
    const segment = this.sums.total / batchSize;
    const minPriority = this.mins.min;
    for (let b = 0; b < batchSize; b++) {
      const slot = this.sums.find((b + this.rng.random()) * segment);
      batch.indices[b] = slot;
      batch.weights[b] = (this.sums.get(slot) / minPriority) ** -beta;
    }
  }

  // ---------------------------------------------------------------- save and load

  protected override get fileKind(): string {
    return 'prioritized';
  }

  /** A new buffer with the configuration and contents saved in `path`; β is not saved unless fixed. */
  static override load(path: string, opts: { beta?: number | BetaSchedule; storageChunkBytes?: number } = {}): PrioritizedReplayBuffer {
    const config = readReplayConfig(path);
    const per = parsePerMeta(readReplayMeta(path)['prioritized'], path);
    const buffer = new PrioritizedReplayBuffer({
      ...config,
      alpha: per.alpha,
      epsilon: per.epsilon,
      beta: opts.beta ?? per.beta ?? 0.4,
      ...(opts.storageChunkBytes === undefined ? {} : { storageChunkBytes: opts.storageChunkBytes }),
    });
    buffer.loadFrom(path);
    return buffer;
  }

  protected override persistMeta(): Record<string, unknown> {
    return {
      ...super.persistMeta(),
      prioritized: {
        alpha: this.alpha,
        epsilon: this.epsilon,
        maxPriority: this.maxPriority,
        sampleCalls: this.sampleCalls,
        beta: typeof this.betaSetting === 'number' ? this.betaSetting : null,
      },
    };
  }

  protected override persistSections(heads: ArrayLike<number>): IoSection[] {
    const leaves = this.sums.leaves();
    return [
      ...super.persistSections(heads),
      { name: 'priorities', byteLength: leaves.byteLength, views: () => [new Uint8Array(leaves.buffer, leaves.byteOffset, leaves.byteLength)] },
    ];
  }

  protected override planRestore(meta: Record<string, unknown>, path: string): RestorePlan {
    const base = super.planRestore(meta, path);
    const per = parsePerMeta(meta['prioritized'], path);
    if (per.alpha !== this.alpha || per.epsilon !== this.epsilon) {
      throw new ReplayFileError(path, `saved with alpha ${per.alpha}, epsilon ${per.epsilon}; this buffer has alpha ${this.alpha}, epsilon ${this.epsilon}`);
    }
    const leaves = this.sums.leaves();
    return {
      // The base plan's sections come from persistSections, so they already hold the priorities.
      sections: base.sections,
      commit: () => {
        base.commit();
        this.sums.rebuild();
        this.mins.rebuildFrom(leaves);
        this.maxPriority = per.maxPriority;
        this.sampleCalls = per.sampleCalls;
      },
    };
  }
}

interface PerMeta {
  alpha: number;
  epsilon: number;
  maxPriority: number;
  sampleCalls: number;
  beta: number | null;
}

function parsePerMeta(raw: unknown, path: string): PerMeta {
  const m = raw as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null) throw new ReplayFileError(path, 'corrupt: no prioritized-replay state');
  const { alpha, epsilon, maxPriority, sampleCalls, beta } = m;
  if (typeof alpha !== 'number' || typeof epsilon !== 'number') throw new ReplayFileError(path, 'corrupt: bad alpha or epsilon');
  if (typeof maxPriority !== 'number' || !(maxPriority > 0) || !Number.isFinite(maxPriority)) throw new ReplayFileError(path, 'corrupt: bad maxPriority');
  if (!Number.isSafeInteger(sampleCalls) || (sampleCalls as number) < 0) throw new ReplayFileError(path, 'corrupt: bad sampleCalls');
  if (beta !== null && typeof beta !== 'number') throw new ReplayFileError(path, 'corrupt: bad beta');
  return { alpha, epsilon, maxPriority, sampleCalls: sampleCalls as number, beta };
}

function checkBeta(beta: number | BetaSchedule): number | BetaSchedule {
  if (typeof beta === 'function') return beta;
  if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta)) throw new RangeError(`beta must be a finite number ≥ 0 or a schedule, got ${String(beta)}`);
  return beta;
}
