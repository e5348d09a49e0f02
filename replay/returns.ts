// Returns and advantages over a [T, n] series of steps (index t * numEnvs + e), as a rollout of
// n vector envs lays them out. An episode boundary after step t (terminated or truncated) cuts
// every sum there. After termination nothing is bootstrapped; after truncation (a time limit)
// the value of the final observation is, when the caller gives it; at the end of the series the
// value of each env's next observation (`lastValues`) is.

export interface StepSeries {
  readonly numSteps: number;
  readonly numEnvs: number;
  readonly rewards: ArrayLike<number>;
  /** 1 (or true) where the episode terminated at this step. */
  readonly terminated: ArrayLike<number | boolean>;
  /** 1 (or true) where the episode was truncated at this step. */
  readonly truncated: ArrayLike<number | boolean>;
  /** V(s_t); needed by GAE and n-step returns. */
  readonly values?: ArrayLike<number>;
  /** V of each env's observation after the last step; 0 when omitted (episodes complete). */
  readonly lastValues?: ArrayLike<number>;
  /** V(final observation) at truncated steps; a missing or NaN entry means no bootstrap. */
  readonly truncationValues?: ArrayLike<number>;
}

/** A writable array of numbers. */
export type NumberArray = Float32Array | Float64Array | number[];

function checkSeries(s: StepSeries, needValues: boolean, what: string): void {
  const { numSteps: T, numEnvs: n } = s;
  if (!Number.isInteger(T) || T < 0 || !Number.isInteger(n) || n < 1) throw new RangeError(`${what}: bad series size [${T}, ${n}]`);
  const len = T * n;
  const check = (x: ArrayLike<unknown> | undefined, name: string, want: number): void => {
    if (x !== undefined && x.length < want) throw new RangeError(`${what}: ${name} has ${x.length} values, need ${want}`);
  };
  check(s.rewards, 'rewards', len);
  check(s.terminated, 'terminated', len);
  check(s.truncated, 'truncated', len);
  check(s.values, 'values', len);
  check(s.truncationValues, 'truncationValues', len);
  check(s.lastValues, 'lastValues', n);
  if (needValues && s.values === undefined) throw new RangeError(`${what}: needs values`);
}

function checkOut(out: NumberArray, len: number, what: string): void {
  if (out.length < len) throw new RangeError(`${what}: output has ${out.length} values, need ${len}`);
}

/** Value bootstrapped after step i of env e when its episode does not terminate there. */
function truncationValue(s: StepSeries, i: number): number {
  const v = s.truncationValues?.[i];
  return v === undefined || Number.isNaN(v) ? 0 : v;
}

function lastValue(s: StepSeries, e: number): number {
  return s.lastValues?.[e] ?? 0;
}

/** Undiscounted sum of the rewards from each step to the end of its episode (or of the series). No bootstrap. */
export function rewardToGo(s: StepSeries, out: NumberArray): NumberArray {
  checkSeries(s, false, 'rewardToGo');
  const { numSteps: T, numEnvs: n } = s;
  checkOut(out, T * n, 'rewardToGo');
  for (let e = 0; e < n; e++) {
    let acc = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      if (s.terminated[i] || s.truncated[i]) acc = 0;
      acc = s.rewards[i]! + acc;
      out[i] = acc;
    }
  }
  return out;
}

/** G_t = r_t + γ G_{t+1}, cut at episode ends, bootstrapped after truncation and at the end. */
export function discountedReturns(s: StepSeries, gamma: number, out: NumberArray): NumberArray {
  checkSeries(s, false, 'discountedReturns');
  checkGamma(gamma, 'discountedReturns');
  const { numSteps: T, numEnvs: n } = s;
  checkOut(out, T * n, 'discountedReturns');
  for (let e = 0; e < n; e++) {
    let next = lastValue(s, e);
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      if (s.terminated[i]) next = 0;
      else if (s.truncated[i]) next = truncationValue(s, i);
      const g = s.rewards[i]! + gamma * next;
      out[i] = g;
      next = g;
    }
  }
  return out;
}

/**
 * G_t^(N) = Σ_{j<m} γ^j r_{t+j} + γ^m V(s_{t+m}), where the window of m ≤ N steps stops at the end
 * of the episode (no bootstrap after termination; the truncation value after truncation) or of
 * the series (bootstrapping from `lastValues`).
 */
export function nStepReturns(s: StepSeries, gamma: number, nStep: number, out: NumberArray): NumberArray {
  checkSeries(s, true, 'nStepReturns');
  checkGamma(gamma, 'nStepReturns');
  if (!Number.isInteger(nStep) || nStep < 1) throw new RangeError(`nStepReturns: n must be a positive integer, got ${nStep}`);
  const { numSteps: T, numEnvs: n } = s;
  const values = s.values!;
  checkOut(out, T * n, 'nStepReturns');
  for (let t = 0; t < T; t++) {
    for (let e = 0; e < n; e++) {
      let g = 0;
      let discount = 1;
      for (let j = 0; ; j++) {
        const tt = t + j;
        if (tt >= T) {
          g += discount * lastValue(s, e);
          break;
        }
        const k = tt * n + e;
        if (j === nStep) {
          g += discount * values[k]!;
          break;
        }
        g += discount * s.rewards[k]!;
        discount *= gamma;
        if (s.terminated[k]) break;
        if (s.truncated[k]) {
          g += discount * truncationValue(s, k);
          break;
        }
      }
      out[t * n + e] = g;
    }
  }
  return out;
}

/**
 * Generalized advantage estimation (Schulman et al. 2016): δ_t = r_t + γ V_next − V(s_t),
 * A_t = δ_t + γλ A_{t+1} within an episode; returns_t = A_t + V(s_t) (the λ-return).
 */
export function gae(s: StepSeries, gamma: number, lambda: number, advantages: NumberArray, returns: NumberArray): void {
  checkSeries(s, true, 'gae');
  checkGamma(gamma, 'gae');
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`gae: lambda must be in [0, 1], got ${lambda}`);
  const { numSteps: T, numEnvs: n } = s;
  const values = s.values!;
  checkOut(advantages, T * n, 'gae advantages');
  checkOut(returns, T * n, 'gae returns');
  for (let e = 0; e < n; e++) {
    let acc = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      let nextValue: number;
      let carry = gamma * lambda;
      if (s.terminated[i]) {
        nextValue = 0;
        carry = 0;
      } else if (s.truncated[i]) {
        nextValue = truncationValue(s, i);
        carry = 0;
      } else {
        nextValue = t === T - 1 ? lastValue(s, e) : values[i + n]!;
      }
      const delta = s.rewards[i]! + gamma * nextValue - values[i]!;
      acc = delta + carry * acc;
      advantages[i] = acc;
      returns[i] = acc + values[i]!;
    }
  }
}

/** Shifts and scales x[0..count) to mean 0 and (sample) standard deviation 1; eps guards a flat batch. */
export function normalizeInPlace(x: NumberArray, count = x.length, eps = 1e-8): void {
  if (count <= 0) return;
  let mean = 0;
  for (let i = 0; i < count; i++) mean += x[i]!;
  mean /= count;
  let sq = 0;
  for (let i = 0; i < count; i++) sq += (x[i]! - mean) ** 2;
  const std = Math.sqrt(sq / Math.max(1, count - 1));
  for (let i = 0; i < count; i++) x[i] = (x[i]! - mean) / (std + eps);
}

function checkGamma(gamma: number, what: string): void {
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${what}: gamma must be in [0, 1], got ${gamma}`);
}
