import { describe, expect, test } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { discountedReturns, gae, normalizeInPlace, nStepReturns, rewardToGo, type StepSeries } from '../../replay/index.js';

const closeAll = (actual: ArrayLike<number>, expected: number[], digits = 9) => {
  expect(actual.length).toBeGreaterThanOrEqual(expected.length);
  expected.forEach((v, i) => expect(actual[i], `index ${i}`).toBeCloseTo(v, digits));
};

describe('returns by hand', () => {
  // One env, 5 steps: terminated at t=1, truncated at t=3 (final observation worth 10), V(s_5) = 7.
  const s: StepSeries = {
    numSteps: 5,
    numEnvs: 1,
    rewards: [1, 2, 3, 4, 5],
    terminated: [0, 1, 0, 0, 0],
    truncated: [0, 0, 0, 1, 0],
    values: [0.5, 1, 1.5, 2, 2.5],
    truncationValues: [NaN, NaN, NaN, 10, NaN],
    lastValues: [7],
  };
  const g = 0.9;

  test('reward-to-go sums to the end of each episode, no bootstrap', () => {
    closeAll(rewardToGo(s, new Float64Array(5)), [1 + 2, 2, 3 + 4, 4, 5]);
  });

  test('discounted returns: zero after termination, truncation value after truncation, last value at the end', () => {
    closeAll(discountedReturns(s, g, new Float64Array(5)), [1 + g * 2, 2, 3 + g * (4 + g * 10), 4 + g * 10, 5 + g * 7]);
  });

  test('2-step returns', () => {
    closeAll(nStepReturns(s, g, 2, new Float64Array(5)), [1 + g * 2, 2, 3 + g * 4 + g * g * 10, 4 + g * 10, 5 + g * 7]);
    // Without episode ends a 2-step window bootstraps from V(s_{t+2}).
    const plain: StepSeries = { ...s, terminated: [0, 0, 0, 0, 0], truncated: [0, 0, 0, 0, 0] };
    closeAll(nStepReturns(plain, g, 2, new Float64Array(5)), [1 + g * 2 + g * g * 1.5, 2 + g * 3 + g * g * 2, 3 + g * 4 + g * g * 2.5, 4 + g * 5 + g * g * 7, 5 + g * 7]);
  });

  test('GAE(λ)', () => {
    const lam = 0.8;
    const d = [1 + g * 1 - 0.5, 2 - 1, 3 + g * 2 - 1.5, 4 + g * 10 - 2, 5 + g * 7 - 2.5];
    const adv = [d[0]! + g * lam * d[1]!, d[1]!, d[2]! + g * lam * d[3]!, d[3]!, d[4]!];
    const a = new Float64Array(5);
    const r = new Float64Array(5);
    gae(s, g, lam, a, r);
    closeAll(a, adv);
    closeAll(r, adv.map((x, i) => x + (s.values as number[])[i]!));
  });

  test('a truncation without a value given does not bootstrap', () => {
    const noValue: StepSeries = { ...s, truncationValues: undefined };
    closeAll(discountedReturns(noValue, g, new Float64Array(5)), [1 + g * 2, 2, 3 + g * 4, 4, 5 + g * 7]);
  });
});

/** A random [T, n] series with episode ends, truncation values and values. */
function randomSeries(seed: number, T: number, n: number): StepSeries {
  const rng = new Rng(seed);
  const len = T * n;
  const terminated = new Array<number>(len).fill(0);
  const truncated = new Array<number>(len).fill(0);
  const truncationValues = new Array<number>(len).fill(NaN);
  for (let i = 0; i < len; i++) {
    const u = rng.random();
    if (u < 0.12) terminated[i] = 1;
    else if (u < 0.24) {
      truncated[i] = 1;
      truncationValues[i] = rng.uniform(-2, 2);
    }
  }
  return {
    numSteps: T,
    numEnvs: n,
    rewards: Array.from({ length: len }, () => rng.uniform(-1, 1)),
    terminated,
    truncated,
    values: Array.from({ length: len }, () => rng.uniform(-1, 1)),
    truncationValues,
    lastValues: Array.from({ length: n }, () => rng.uniform(-1, 1)),
  };
}

// Forward definitions, written apart from the library's backward recursions.
const at = (s: StepSeries, t: number, e: number) => t * s.numEnvs + e;
const boundary = (s: StepSeries, i: number) => Boolean(s.terminated[i]) || Boolean(s.truncated[i]);
/** V of the state after step t of env e (the thing a 1-step target bootstraps from). */
function valueAfter(s: StepSeries, t: number, e: number): number {
  const i = at(s, t, e);
  if (s.terminated[i]) return 0;
  if (s.truncated[i]) return Number.isNaN(s.truncationValues![i]!) ? 0 : s.truncationValues![i]!;
  return t + 1 < s.numSteps ? s.values![at(s, t + 1, e)]! : s.lastValues![e]!;
}

function forwardNStep(s: StepSeries, gamma: number, n: number, t: number, e: number): number {
  let g = 0;
  for (let j = 0; j < n; j++) {
    const tt = t + j;
    g += gamma ** j * s.rewards[at(s, tt, e)]!;
    if (boundary(s, at(s, tt, e)) || tt === s.numSteps - 1 || j === n - 1) return g + gamma ** (j + 1) * valueAfter(s, tt, e);
  }
  return g;
}

function forwardGae(s: StepSeries, gamma: number, lam: number, t: number, e: number): number {
  let a = 0;
  for (let l = 0; t + l < s.numSteps; l++) {
    const i = at(s, t + l, e);
    const delta = s.rewards[i]! + gamma * valueAfter(s, t + l, e) - s.values![i]!;
    a += (gamma * lam) ** l * delta;
    if (boundary(s, i)) break;
  }
  return a;
}

describe('returns against forward definitions on random series', () => {
  const T = 13;
  const n = 3;
  const gamma = 0.93;
  for (const seed of [1, 2, 3]) {
    const s = randomSeries(seed, T, n);
    test(`seed ${seed}: n-step returns for n = 1, 3, ∞; discounted returns are the ∞-step ones`, () => {
      for (const nStep of [1, 3, 1000]) {
        const got = nStepReturns(s, gamma, nStep, new Float64Array(T * n));
        const want: number[] = [];
        for (let t = 0; t < T; t++) for (let e = 0; e < n; e++) want[at(s, t, e)] = forwardNStep(s, gamma, nStep, t, e);
        closeAll(got, want);
      }
      const want: number[] = [];
      for (let t = 0; t < T; t++) for (let e = 0; e < n; e++) want[at(s, t, e)] = forwardNStep(s, gamma, 1000, t, e);
      closeAll(discountedReturns(s, gamma, new Float64Array(T * n)), want);
    });

    test(`seed ${seed}: GAE for λ = 0, 0.7, 1 (λ=1 returns are the discounted returns)`, () => {
      for (const lam of [0, 0.7, 1]) {
        const adv = new Float64Array(T * n);
        const ret = new Float64Array(T * n);
        gae(s, gamma, lam, adv, ret);
        const want: number[] = [];
        for (let t = 0; t < T; t++) for (let e = 0; e < n; e++) want[at(s, t, e)] = forwardGae(s, gamma, lam, t, e);
        closeAll(adv, want);
        if (lam === 1) closeAll(ret, Array.from(discountedReturns(s, gamma, new Float64Array(T * n))));
      }
    });

    test(`seed ${seed}: reward-to-go`, () => {
      const want: number[] = [];
      for (let t = 0; t < T; t++) {
        for (let e = 0; e < n; e++) {
          let sum = 0;
          for (let tt = t; tt < T; tt++) {
            sum += s.rewards[at(s, tt, e)]!;
            if (boundary(s, at(s, tt, e))) break;
          }
          want[at(s, t, e)] = sum;
        }
      }
      closeAll(rewardToGo(s, new Float64Array(T * n)), want);
    });
  }

  test('normalizeInPlace gives mean 0 and sample std 1', () => {
    const rng = new Rng(9);
    const x = Array.from({ length: 50 }, () => rng.uniform(3, 8));
    normalizeInPlace(x);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1));
    expect(mean).toBeCloseTo(0, 9);
    expect(std).toBeCloseTo(1, 6);
  });

  test('bad arguments are refused', () => {
    const s = randomSeries(4, 3, 1);
    expect(() => gae(s, 0.9, 1.5, new Float64Array(3), new Float64Array(3))).toThrow(/lambda/);
    expect(() => nStepReturns(s, 0.9, 0, new Float64Array(3))).toThrow(/positive integer/);
    expect(() => discountedReturns(s, 0.9, new Float64Array(2))).toThrow(/output has 2/);
    expect(() => gae({ ...s, values: undefined }, 0.9, 0.9, new Float64Array(3), new Float64Array(3))).toThrow(/needs values/);
  });
});
