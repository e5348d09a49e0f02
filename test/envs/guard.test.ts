import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Box, EnvGuard, type BoxArray, TransformAction, make, register, unregister, type Env, type RngState } from '../../envs/index.js';
import { CounterEnv, PointEnv } from '../fixtures/envs.js';

const walkFile = fileURLToPath(new URL('../fixtures/userWalkEnv.js', import.meta.url));

/** The plain-JS WalkEnv's visible state. */
interface WalkState {
  x: number;
  stepCalls: number;
  rng: { getState(): RngState };
}

const ids = ['Guard/Counter-v0', 'Guard/Point-v0', 'Guard/Walk-v0', 'Guard/WalkBox-v0'];
function registerAll(): void {
  register({ id: 'Guard/Counter-v0', entryPoint: CounterEnv, kwargs: { length: 4 }, maxEpisodeSteps: 100 });
  register({ id: 'Guard/Point-v0', entryPoint: PointEnv, maxEpisodeSteps: 3 });
  register({ id: 'Guard/Walk-v0', entryPoint: `${walkFile}:WalkEnv` });
  register({ id: 'Guard/WalkBox-v0', entryPoint: `${walkFile}:WalkEnv`, kwargs: { continuous: true } });
}
afterEach(() => ids.forEach(unregister));

function walkSnapshot(env: Env): string {
  const u = env.unwrapped as unknown as WalkState;
  return JSON.stringify({ x: u.x, calls: u.stepCalls, rng: u.rng.getState() });
}

function pointSnapshot(env: Env): string {
  const u = env.unwrapped as PointEnv;
  return JSON.stringify({ x: u.x, y: u.y, vx: u.vx, vy: u.vy, calls: u.stepCalls, rng: u.getRngState() });
}

describe('EnvGuard', () => {
  it('step before reset throws and the env never sees it', () => {
    registerAll();
    const counter = make<number, number>('Guard/Counter-v0');
    expect(() => counter.step(1)).toThrow(/Guard\/Counter-v0: step\(\) called before reset\(\); call reset\(\) first/);
    expect((counter.unwrapped as CounterEnv).stepCalls).toBe(0);
    const walk = make<Float32Array, number>('Guard/Walk-v0');
    expect(() => walk.step(1)).toThrow(/before reset/);
    expect((walk.unwrapped as unknown as WalkState).stepCalls).toBe(0);
  });

  it('a Discrete action outside the space throws a RangeError naming space and value, for a TS env and a plain-JS env, changing no state', () => {
    registerAll();
    for (const id of ['Guard/Counter-v0', 'Guard/Walk-v0']) {
      const env = make<unknown, unknown>(id);
      env.reset({ seed: 5 });
      const snap = id === 'Guard/Walk-v0' ? () => walkSnapshot(env) : () => JSON.stringify({ c: (env.unwrapped as CounterEnv).count, s: (env.unwrapped as CounterEnv).stepCalls });
      const before = snap();
      for (const bad of [2, -1, 1.5, '1', null, undefined, NaN, [1], Float32Array.of(1)]) {
        let caught: unknown;
        try {
          env.step(bad);
        } catch (err) {
          caught = err;
        }
        expect(caught, `${id} ${String(bad)}`).toBeInstanceOf(RangeError);
        expect((caught as Error).message).toContain('Discrete(2)');
        expect((caught as Error).message).toContain('outside the action space');
        expect(snap()).toBe(before);
      }
      expect((caught2(() => env.step(7)) as Error).message).toMatch(/action 7 is outside the action space Discrete\(2\)/);
      // A good action still goes through afterwards.
      env.step(1);
      expect(snap()).not.toBe(before);
    }
  });

  it('Box actions: NaN, ±Infinity, out of bounds and wrong length throw with no state change (TS and plain-JS envs)', () => {
    registerAll();
    const point = make<Float32Array, Float32Array>('Guard/Point-v0');
    point.reset({ seed: 1 });
    const before = pointSnapshot(point);
    const cases: [unknown, RegExp][] = [
      [Float32Array.of(NaN, 0), /non-finite value \(NaN\) at index 0; action space is Box\(-1, 1, \(2,\), float32\)/],
      [Float32Array.of(0, Infinity), /non-finite value \(Infinity\) at index 1/],
      [[0, -Infinity], /non-finite value \(-Infinity\)/],
      [Float32Array.of(0, 1.5), /Float32Array\(2\) \[0, 1\.5\] is outside the action space Box/],
      [Float32Array.of(0), /outside the action space/],
      [3, /action 3 is outside the action space/],
    ];
    for (const [bad, message] of cases) {
      expect(() => point.step(bad as Float32Array)).toThrow(RangeError);
      expect(() => point.step(bad as Float32Array)).toThrow(message);
      expect(pointSnapshot(point)).toBe(before);
    }
    expect((point.unwrapped as PointEnv).received).toEqual([]);

    // The user's plain-JS env brings its Box from the built package (another copy of the class).
    const walk = make<Float32Array, Float32Array>('Guard/WalkBox-v0');
    walk.reset({ seed: 2 });
    const wBefore = walkSnapshot(walk);
    expect(() => walk.step(Float32Array.of(NaN))).toThrow(/non-finite value \(NaN\)/);
    expect(() => walk.step(Float32Array.of(2))).toThrow(/outside the action space Box\(-1, 1, \(1,\), float32\)/);
    expect(walkSnapshot(walk)).toBe(wBefore);
  });

  it('Infinity is rejected even where an unbounded Box contains it', () => {
    const inner = new PointEnv();
    const unbounded = new TransformAction(inner, (a: BoxArray) => a, new Box(-Infinity, Infinity, [2], 'float32'));
    expect(unbounded.actionSpace.contains(Float32Array.of(Infinity, 0))).toBe(true);
    const env = new EnvGuard(unbounded);
    env.reset({ seed: 0 });
    expect(() => env.step(Float32Array.of(Infinity, 0))).toThrow(/non-finite value \(Infinity\) at index 0/);
    expect(inner.stepCalls).toBe(0);
  });

  it('step after terminated or truncated throws until reset', () => {
    registerAll();
    const env = make<number, number>('Guard/Counter-v0');
    env.reset({ seed: 0 });
    const u = env.unwrapped as CounterEnv;
    let r = env.step(1);
    while (!r.terminated) r = env.step(1);
    const calls = u.stepCalls;
    expect(() => env.step(0)).toThrow(/step\(\) called after the episode ended \(terminated or truncated\); call reset\(\) first/);
    expect(u.stepCalls).toBe(calls);
    env.reset();
    expect(() => env.step(0)).not.toThrow();

    const point = make<Float32Array, Float32Array>('Guard/Point-v0'); // truncates after 3 steps
    point.reset({ seed: 3 });
    const a = Float32Array.of(0, 0);
    point.step(a);
    point.step(a);
    expect(point.step(a).truncated).toBe(true);
    expect(() => point.step(a)).toThrow(/after the episode ended/);
    expect((point.unwrapped as PointEnv).stepCalls).toBe(3);
  });

  it('reset with a malformed seed or options throws before the env resets', () => {
    registerAll();
    const env = make<number, number>('Guard/Counter-v0');
    const u = env.unwrapped as CounterEnv;
    for (const bad of [{ seed: 1.5 }, { seed: '3' }, { seed: NaN }, { options: 7 }, 5]) {
      expect(() => env.reset(bad as never)).toThrow(TypeError);
    }
    expect(u.resetCalls).toBe(0);
    expect(() => env.step(0)).toThrow(/before reset/);
    env.reset({ seed: 1, options: {} });
    expect(u.resetCalls).toBe(1);
  });

  it('refuses to wrap something that is not an env', () => {
    expect(() => new EnvGuard({ reset() {}, step() {} } as unknown as Env)).toThrow(/has no actionSpace/);
    expect(() => new EnvGuard({} as Env)).toThrow(/expected an env/);
  });
});

function caught2(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}
