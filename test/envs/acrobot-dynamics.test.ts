/**
 * Acrobot-v1 against an independent reference of Gymnasium's documented dynamics
 * (gymnasium/envs/classic_control/acrobot.py), bit for bit.
 *
 * The reference below is written out again from Gymnasium's source, in its shape and evaluation
 * order: the state is augmented with the torque, `_dsdt` returns five derivatives (the torque's is
 * 0), and `rk4` integrates once over t = [0, dt] with dt = 0.2; then θ1, θ2 are wrapped into
 * [−π, π] by adding or subtracting 2π, dθ1 and dθ2 are bounded to ±4π and ±9π, the episode ends
 * when −cos θ1 − cos(θ2 + θ1) > 1, the reward is −1 (0 on the terminal step), and the observation
 * is [cos θ1, sin θ1, cos θ2, sin θ2, dθ1, dθ2] cast to float32. Nothing here imports the env's
 * own helpers (acrobotDerivatives, wrapAngle).
 *
 * Reset draws from pixelgym's RNG rather than numpy's, so each episode starts from the env's own
 * reset state (read through `state`, checked to be float32 values in [−0.1, 0.1] as Gymnasium's
 * `.astype(np.float32)` gives); from there every step's float64 state and float32 observation,
 * reward and terminated flag must be identical (Object.is, no tolerance).
 */
import { describe, expect, it } from 'vitest';
import { AcrobotEnv } from '../../envs/classic/index.js';
import { Rng } from '../../envs/rng.js';

// ---------------------------------------------------------------------------------------------
// Reference: Gymnasium's AcrobotEnv, "book" dynamics, torque_noise_max = 0.
// ---------------------------------------------------------------------------------------------

const dt = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, +1];
const { cos, sin, PI: pi } = Math;

/**
 * Switches that turn the reference into deliberately wrong ones, to show the comparison catches
 * each kind of mistake. The default (all undefined) is Gymnasium's Acrobot-v1.
 */
interface Variant {
  /** Gymnasium's `book_or_nips = 'nips'`: the paper's equations, missing the dθ1² sin θ2 term. */
  nips?: boolean;
  /** One explicit Euler step of dt instead of RK4. */
  euler?: boolean;
  /** RK4 with its weighted sum re-associated, (k1 + k4) + 2·(k2 + k3): same maths, other roundings. */
  reassociate?: boolean;
  /** Skip wrapping the angles into [−π, π]. */
  noWrap?: boolean;
}

/** x**2 of a Python/numpy float: the correctly rounded square, i.e. x * x. */
const sq = (x: number) => x * x;

/** Gymnasium's `_dsdt`: derivatives of the augmented state [θ1, θ2, dθ1, dθ2, torque]. */
function dsdt(sAugmented: readonly number[], v: Variant): number[] {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const g = 9.8;
  const a = sAugmented[4]!;
  const [theta1, theta2, dtheta1, dtheta2] = sAugmented as [number, number, number, number, number];
  // Python's operators, in Python's order: unary minus binds before *, ** before both.
  const d1 = m1 * sq(lc1) + m2 * (sq(l1) + sq(lc2) + 2 * l1 * lc2 * cos(theta2)) + I1 + I2;
  const d2 = m2 * (sq(lc2) + l1 * lc2 * cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * cos(theta1 + theta2 - pi / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * sq(dtheta2) * sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * cos(theta1 - pi / 2) +
    phi2;
  const ddtheta2 = v.nips
    ? (a + (d2 / d1) * phi1 - phi2) / (m2 * sq(lc2) + I2 - sq(d2) / d1)
    : (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * sq(dtheta1) * sin(theta2) - phi2) / (m2 * sq(lc2) + I2 - sq(d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0];
}

/** numpy's `y + c * k`, element by element. */
const axpy = (y: readonly number[], c: number, k: readonly number[]) => y.map((yi, i) => yi + c * k[i]!);

/** Gymnasium's `rk4(derivs, y0, t)`: one RK4 step per interval of t; returns the last row's first four values. */
function rk4(derivs: (y: readonly number[]) => number[], y0: readonly number[], t: readonly number[], v: Variant): number[] {
  let y = [...y0];
  for (let i = 0; i < t.length - 1; i++) {
    const h = t[i + 1]! - t[i]!;
    const h2 = h / 2.0;
    const k1 = derivs(y);
    if (v.euler) {
      y = axpy(y, h, k1);
      continue;
    }
    const k2 = derivs(axpy(y, h2, k1));
    const k3 = derivs(axpy(y, h2, k2));
    const k4 = derivs(axpy(y, h, k3));
    // y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4): the scalar dt / 6.0 first, the sum left to right.
    const w = h / 6.0;
    y = y.map((yi, j) => yi + w * (v.reassociate ? k1[j]! + k4[j]! + 2 * (k2[j]! + k3[j]!) : k1[j]! + 2 * k2[j]! + 2 * k3[j]! + k4[j]!));
  }
  return y.slice(0, 4);
}

/** Gymnasium's `wrap`: shifts x by (M − m) until m ≤ x ≤ M. */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound`: min(max(x, m), M). */
const bound = (x: number, m: number, M: number) => Math.min(Math.max(x, m), M);

interface RefStep {
  s: number[];
  observation: number[];
  reward: number;
  terminated: boolean;
}

/** Gymnasium's `_get_ob`: np.array([...], dtype=np.float32). */
const getOb = (s: readonly number[]) => [cos(s[0]!), sin(s[0]!), cos(s[1]!), sin(s[1]!), s[2]!, s[3]!].map(Math.fround);

/** Gymnasium's `step(a)` from state s. */
function refStep(s: readonly number[], a: number, v: Variant = {}): RefStep {
  const torque = AVAIL_TORQUE[a]!;
  const sAugmented = [...s, torque]; // np.append: float64 even when s is the float32 reset state
  const ns = rk4((y) => dsdt(y, v), sAugmented, [0, dt], v);
  if (!v.noWrap) {
    ns[0] = wrap(ns[0]!, -pi, pi);
    ns[1] = wrap(ns[1]!, -pi, pi);
  }
  ns[2] = bound(ns[2]!, -MAX_VEL_1, MAX_VEL_1);
  ns[3] = bound(ns[3]!, -MAX_VEL_2, MAX_VEL_2);
  const terminated = -cos(ns[0]!) - cos(ns[1]! + ns[0]!) > 1.0;
  return { s: ns, observation: getOb(ns), reward: terminated ? 0.0 : -1.0, terminated };
}

// ---------------------------------------------------------------------------------------------
// Side-by-side driver.
// ---------------------------------------------------------------------------------------------

/** The first disagreement between env and reference, or null. */
interface Mismatch {
  step: number;
  field: string;
  env: unknown;
  ref: unknown;
}

interface Run {
  mismatch: Mismatch | null;
  steps: number;
  episodes: number;
  /** Steps where the reference wrapped an angle, or hit a velocity bound. */
  wraps: number;
  bounded: number;
}

/** Compares two number lists with Object.is; returns the first differing index or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** A policy picks an action from the reference's state (not the env's) and a seeded RNG. */
type Policy = (s: readonly number[], rng: Rng) => number;
const randomPolicy: Policy = (_s, rng) => rng.int(3);
/** Torque against the first link's swing, with one step in five random: pumps energy, reaches the line in ~100 steps. */
const pumpPolicy: Policy = (s, rng) => (rng.random() < 0.2 ? rng.int(3) : s[2]! > 0 ? 0 : s[2]! < 0 ? 2 : 1);

/** Adopts the env's reset state after checking it is what Gymnasium's reset would give. */
function resetState(env: AcrobotEnv, observation: Float32Array): number[] | Mismatch {
  const s = env.state;
  for (const x of s) if (!(Math.abs(x) <= Math.fround(0.1) && Object.is(x, Math.fround(x)))) return { step: -1, field: 'reset state', env: s, ref: 'float32 in [-0.1, 0.1]' };
  if (firstDiff(observation, getOb(s)) >= 0) return { step: -1, field: 'reset observation', env: Array.from(observation), ref: getOb(s) };
  return s;
}

/**
 * Steps a seeded env and the reference side by side for `steps` steps (resetting both after each
 * terminal step) and reports the first step where the float64 state, any float32 observation
 * value, the reward or the terminated flag differ.
 */
function sideBySide(seed: number, steps: number, policy: Policy, v: Variant = {}): Run {
  const env = new AcrobotEnv();
  const actions = new Rng(seed + 1);
  const run: Run = { mismatch: null, steps: 0, episodes: 0, wraps: 0, bounded: 0 };
  let start = resetState(env, env.reset({ seed }).observation);
  if (!Array.isArray(start)) return { ...run, mismatch: start };
  let s: number[] = start;
  for (let t = 0; t < steps; t++) {
    const a = policy(s, actions);
    const got = env.step(a);
    const want = refStep(s, a, v);
    run.steps++;
    const fail = (field: string, e: unknown, r: unknown) => ({ ...run, mismatch: { step: t, field, env: e, ref: r } });
    const envState = env.state;
    const i = firstDiff(envState, want.s);
    if (i >= 0) return fail(`state[${i}]`, envState[i], want.s[i]);
    const obs = got.observation;
    const j = firstDiff(obs, want.observation);
    if (j >= 0) return fail(`observation[${j}]`, obs[j], want.observation[j]);
    if (!Object.is(got.reward, want.reward)) return fail('reward', got.reward, want.reward);
    if (got.terminated !== want.terminated) return fail('terminated', got.terminated, want.terminated);
    if (got.truncated !== false) return fail('truncated', got.truncated, false);
    const unwrapped = rk4((y) => dsdt(y, v), [...s, AVAIL_TORQUE[a]!], [0, dt], v);
    if (Math.abs(unwrapped[0]!) > pi || Math.abs(unwrapped[1]!) > pi) run.wraps++;
    if (Math.abs(want.s[2]!) === MAX_VEL_1 || Math.abs(want.s[3]!) === MAX_VEL_2) run.bounded++;
    s = want.s;
    if (want.terminated) {
      run.episodes++;
      start = resetState(env, env.reset().observation);
      if (!Array.isArray(start)) return { ...run, mismatch: { ...start, step: t } };
      s = start;
    }
  }
  return run;
}

// ---------------------------------------------------------------------------------------------

describe('Acrobot-v1 matches Gymnasium’s dynamics bit for bit', () => {
  const SEEDS = [0, 1, 7, 2024, 987654321];

  it('random actions: 500 steps from each seed’s reset state', () => {
    for (const seed of SEEDS) {
      const run = sideBySide(seed, 500, randomPolicy);
      expect(run.mismatch, `seed ${seed}`).toBeNull();
      expect(run.steps).toBe(500);
    }
  });

  it('energy-pumping actions: swings over the top (wrapping the angles) and ends episodes', () => {
    let episodes = 0;
    let wraps = 0;
    for (const seed of SEEDS) {
      const run = sideBySide(seed, 500, pumpPolicy);
      expect(run.mismatch, `seed ${seed}`).toBeNull();
      episodes += run.episodes;
      wraps += run.wraps;
    }
    // The comparison covered terminal steps (reward 0) and resets, and wrapped angles.
    expect(episodes).toBeGreaterThan(10);
    expect(wraps).toBeGreaterThan(10);
  });

  it('one step from arbitrary states: every action, angles past ±π, velocities past their bounds', () => {
    const rng = new Rng(11);
    const env = new AcrobotEnv();
    let bounded = 0;
    let wrapped = 0;
    let terminal = 0;
    for (let n = 0; n < 1500; n++) {
      const s = [rng.uniform(-pi, pi), rng.uniform(-pi, pi), rng.uniform(-1.2, 1.2) * MAX_VEL_1, rng.uniform(-1.2, 1.2) * MAX_VEL_2];
      for (const a of [0, 1, 2]) {
        env.state = s;
        const got = env.step(a);
        const want = refStep(s, a);
        expect(firstDiff(env.state, want.s), `state from ${String(s)}, action ${a}`).toBe(-1);
        expect(firstDiff(got.observation, want.observation), `observation from ${String(s)}, action ${a}`).toBe(-1);
        expect(got.reward).toBe(want.reward);
        expect(got.terminated).toBe(want.terminated);
        if (Math.abs(want.s[2]!) === MAX_VEL_1 || Math.abs(want.s[3]!) === MAX_VEL_2) bounded++;
        const raw = rk4((y) => dsdt(y, {}), [...s, AVAIL_TORQUE[a]!], [0, dt], {});
        if (Math.abs(raw[0]!) > pi || Math.abs(raw[1]!) > pi) wrapped++;
        if (want.terminated) terminal++;
      }
    }
    expect(bounded).toBeGreaterThan(100);
    expect(wrapped).toBeGreaterThan(100);
    expect(terminal).toBeGreaterThan(100);
  });

  it('has teeth: deliberately wrong references disagree with the env', () => {
    // Wrong integrator or wrong equations: visible in the float32 observation on the first step.
    for (const v of [{ euler: true }, { nips: true }] satisfies Variant[]) {
      for (const seed of SEEDS) {
        const run = sideBySide(seed, 500, randomPolicy, v);
        expect(run.mismatch, `${JSON.stringify(v)}, seed ${seed}`).not.toBeNull();
        expect(run.mismatch!.step).toBe(0);
        const env = new AcrobotEnv();
        env.reset({ seed });
        const s = env.state;
        const a = randomPolicy(s, new Rng(seed + 1));
        expect(firstDiff(env.step(a).observation, refStep(s, a, v).observation)).toBeGreaterThanOrEqual(0);
      }
    }
    // No angle wrapping: caught as soon as a swing passes ±π.
    const unwrapped = sideBySide(0, 500, pumpPolicy, { noWrap: true });
    expect(unwrapped.mismatch?.field).toMatch(/^state\[[01]\]$/);
    expect(unwrapped.wraps).toBe(0); // it agreed on every step until the first wrap
    // The same RK4 with its sum re-associated differs only in rounding, and is still caught.
    const mismatches = SEEDS.map((seed) => sideBySide(seed, 500, randomPolicy, { reassociate: true }).mismatch);
    expect(mismatches.every((m) => m !== null)).toBe(true);
    for (const m of mismatches) expect(Math.abs((m!.env as number) - (m!.ref as number))).toBeLessThan(1e-12);
  });
});
