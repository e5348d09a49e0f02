/**
 * Running mean and variance of vectors (Gymnasium's `RunningMeanStd`): starts at mean 0, var 1
 * with a pseudo-count of `epsilon`, and merges each batch by the parallel-variance formula
 * (Chan et al.). Float64 throughout; `update` allocates nothing.
 */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(
    readonly size: number,
    epsilon = 1e-4,
  ) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`RunningMeanStd: size must be a positive integer, got ${size}`);
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Merges one sample (a batch of one: its variance is 0). */
  update(x: ArrayLike<number>): void {
    if (x.length !== this.size) throw new RangeError(`RunningMeanStd: expected ${this.size} values, got ${x.length}`);
    const n = this.count;
    const total = n + 1;
    for (let i = 0; i < this.size; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + delta / total;
      // M2 = var·n + 0·1 + delta²·n·1/total
      this.var[i] = (this.var[i]! * n + (delta * delta * n) / total) / total;
    }
    this.count = total;
  }

  /** Merges a batch given by its moments. */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    if (batchMean.length !== this.size || batchVar.length !== this.size)
      throw new RangeError(`RunningMeanStd: expected moments of ${this.size} values`);
    if (!(batchCount > 0)) throw new RangeError(`RunningMeanStd: batchCount must be positive, got ${batchCount}`);
    const n = this.count;
    const total = n + batchCount;
    for (let i = 0; i < this.size; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      this.mean[i] = this.mean[i]! + (delta * batchCount) / total;
      const m2 = this.var[i]! * n + batchVar[i]! * batchCount + (delta * delta * n * batchCount) / total;
      this.var[i] = m2 / total;
    }
    this.count = total;
  }
}
