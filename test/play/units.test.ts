import { describe, expect, it } from 'vitest';
import { make, rasterize, Box, type Env, type Frame } from '../../envs/index.js';
import { actionNamesOf } from '../../play/server/actionNames.js';
import { EnvStepper } from '../../play/server/envStepper.js';
import { FrameGrabber, fitWithin, imageLayout } from '../../play/server/frames.js';
import { HeldKeys, actionForKeys, boundKeys } from '../../play/server/heldKeys.js';
import { CurveHistory, toCurvePoint } from '../../play/server/metrics.js';
import { PacedLoop, owedSteps } from '../../play/server/pacedLoop.js';
import type { Snapshot } from '../../play/server/snapshot.js';
import { classifyPath } from '../../play/server/staticFiles.js';

describe('keys → actions', () => {
  const catchKeys = make('Catch-v0').keysToAction!() as Record<string, number>;
  const cartKeys = make('CartPole-v1').keysToAction!() as Record<string, number>;
  const carKeys = make('MountainCar-v0').keysToAction!() as Record<string, number>;

  it("use the '' binding when no key is held, and null (no step) when the env has none", () => {
    expect(actionForKeys(catchKeys, [])).toBe(1);
    expect(actionForKeys(cartKeys, [])).toBeNull();
  });

  it('prefer the chord of all held keys, else the most recently pressed bound key', () => {
    expect(actionForKeys(carKeys, ['ArrowRight', 'ArrowLeft'])).toBe(1); // 'ArrowLeft+ArrowRight'
    expect(actionForKeys(catchKeys, ['ArrowLeft', 'ArrowRight'])).toBe(2);
    expect(actionForKeys(catchKeys, ['ArrowRight', 'ArrowLeft'])).toBe(0);
    expect(actionForKeys(cartKeys, ['KeyQ'])).toBeNull();
  });

  it('track only bound keys, in press order', () => {
    expect(boundKeys(carKeys)).toEqual(['ArrowLeft', 'ArrowRight']);
    const held = new HeldKeys(catchKeys);
    expect(held.down('KeyX')).toBe(false);
    expect(held.down('ArrowLeft')).toBe(true);
    held.down('ArrowRight');
    held.down('ArrowLeft');
    expect(held.codes).toEqual(['ArrowLeft', 'ArrowRight']);
    held.up('ArrowLeft');
    expect(held.codes).toEqual(['ArrowRight']);
    held.clear();
    expect(held.codes).toEqual([]);
  });

  it('name actions from the bindings', () => {
    expect(actionNamesOf(make('Catch-v0'))).toEqual(['left', 'noop', 'right']);
    expect(actionNamesOf(make('MinAtar/Breakout-v1'))).toEqual(['noop', 'left', 'right']);
    expect(actionNamesOf(make('Pendulum-v1'))).toBeNull();
  });
});

describe('pixel frames', () => {
  it('recognize image observations and not 0/1 boards', () => {
    expect(imageLayout(make('Catch-v0', { obsType: 'rgb' }).observationSpace)).toMatchObject({ height: 84, width: 84, channels: 3, grey: false });
    expect(imageLayout(make('Catch-v0', { obsType: 'grid' }).observationSpace)).toBeNull();
    expect(imageLayout(make('MinAtar/Breakout-v1').observationSpace)).toBeNull();
    expect(imageLayout(make('CartPole-v1').observationSpace)).toBeNull();
    expect(imageLayout(new Box(0, 255, [84, 84, 4], 'uint8'))).toMatchObject({ channels: 4, first: 3, grey: true });
    expect(imageLayout(new Box(0, 255, [84, 84, 6], 'uint8'))).toMatchObject({ channels: 6, first: 3, grey: false });
    expect(fitWithin(600, 400, 256)).toEqual({ width: 256, height: 171 });
    expect(fitWithin(84, 84, 256)).toEqual({ width: 84, height: 84 });
  });

  it('send an image observation as it is', () => {
    const env = make<Uint8Array, number>('Catch-v0', { obsType: 'rgb' });
    const obs = env.reset({ seed: 2 }).observation;
    const f = new FrameGrabber(env.observationSpace, 256).grab(obs, null, env)!;
    expect([f.width, f.height]).toEqual([84, 84]);
    expect(Buffer.from(f.data).equals(Buffer.from(obs))).toBe(true);
  });

  it('show the newest frame of a stack of grey frames as grey RGB', () => {
    const space = new Box(0, 255, [2, 2, 4], 'uint8');
    const obs = Uint8Array.from({ length: 16 }, (_, i) => i * 10);
    const f = new FrameGrabber(space, 256).grab(obs, null, null)!;
    expect(Array.from(f.data)).toEqual([30, 30, 30, 70, 70, 70, 110, 110, 110, 150, 150, 150]);
  });

  it('rasterize the scene, scaled to fit, when the observation is not an image', () => {
    const env = make('CartPole-v1');
    env.reset({ seed: 1 });
    const scene = env.scene!();
    const f = new FrameGrabber(env.observationSpace, 150).grab(new Float32Array(4), scene, env)!;
    const want = rasterize(scene, 150, 100);
    expect([f.width, f.height]).toEqual([150, 100]);
    expect(Buffer.from(f.data).equals(Buffer.from(want.data))).toBe(true);
  });

  it("fall back to render(), scaled down, for an env without a scene", () => {
    const frame: Frame = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => i) };
    const env = { render: () => frame } as unknown as Env;
    const f = new FrameGrabber(null, 2).grab(0, null, env)!;
    expect([f.width, f.height]).toEqual([2, 1]);
    expect(Array.from(f.data)).toEqual([0, 1, 2, 6, 7, 8]);
    expect(new FrameGrabber(null, 2).grab(0, null, null)).toBeNull();
  });
});

describe('learning-curve points', () => {
  it('take x from the step field and every other finite number as a value', () => {
    expect(toCurvePoint({ step: 500, episodeReturn: 12.5, loss: 0.1, algo: 'dqn', bad: Number.NaN }, 3)).toEqual({ x: 500, values: { episodeReturn: 12.5, loss: 0.1 } });
    expect(toCurvePoint({ loss: 2 }, 7)).toEqual({ x: 7, values: { loss: 2 } });
    expect(toCurvePoint({ step: 1, note: 'x' }, 0)).toBeNull();
  });

  it('halve the history when full, keeping the start and the newest point', () => {
    const h = new CurveHistory(4);
    for (let i = 0; i < 9; i++) h.add({ x: i, values: { v: i } });
    const xs = h.points().map((p) => p.x);
    expect(xs.length).toBeLessThanOrEqual(4);
    expect(xs[0]).toBe(0);
    expect(xs[xs.length - 1]).toBe(8);
  });
});

describe('request paths', () => {
  it.each([
    ['/', 200],
    ['/index.html', 200],
    ['/viewer.js', 200],
    ['/style.css', 200],
    ['/viewer.js?v=2', 200],
    ['/../package.json', 400],
    ['/%2e%2e/package.json', 400],
    ['/%2E%2E%2Fpackage.json', 400],
    ['/%252e%252e/package.json', 400],
    ['/..%5cpackage.json', 400],
    ['/\\..\\package.json', 400],
    ['//etc/passwd', 400],
    ['http://evil.example/', 400],
    ['/%zz', 400],
    ['/etc/passwd', 404],
    ['/package.json', 404],
    ['/index.html/', 404],
    ['/viewer.js.LEGAL.txt', 404],
  ])('%s → %i', (target, status) => {
    const v = classifyPath(target);
    expect(v.ok ? 200 : v.status).toBe(status);
  });
});

describe('the loop clock after a stall', () => {
  it('keeps at most two ticks of owed steps, so a slow agent or overlay does not cause a catch-up burst', () => {
    // 60 steps/s: one step a tick; after a 5 s stall, two steps, not 300.
    expect(owedSteps(0, 1000 / 60, 60)).toBeCloseTo(1, 9);
    expect(owedSteps(0, 5000, 60)).toBe(2);
    // 5 steps/s ticks 5 times a second: one step a tick, two at most.
    expect(owedSteps(0.5, 5000, 5)).toBe(2);
    // 6000 steps/s ticks 60 times a second, 100 steps a tick: a stall keeps 200.
    expect(owedSteps(0, 1000 / 60, 6000)).toBeCloseTo(100, 6);
    expect(owedSteps(0, 5000, 6000)).toBe(200);
    // Never more than 1000 in one tick; slow rates tick once a step, so two steps at most.
    expect(owedSteps(0, 5000, 10_000)).toBeCloseTo(333.33, 1);
    expect(owedSteps(0, 1000, 0.5)).toBe(0.5);
    expect(owedSteps(0, 10_000, 0.5)).toBe(2);
  });
});

describe('the server-owned env loop', () => {
  const loopOf = (seed: number, paused: boolean) => {
    const env = make<Uint8Array, number>('Catch-v0', { obsType: 'grid' });
    const errors: unknown[] = [];
    const loop = new PacedLoop<Uint8Array, number>((s) => new EnvStepper(env, () => 0, s), { paused, stepsPerSecond: 50 }, seed, (e) => errors.push(e));
    return { env, loop, errors };
  };

  it('start with the seeded reset state, then single-step exactly one step at a time while paused', async () => {
    const { loop } = loopOf(4, true);
    const seen: Snapshot<Uint8Array, number>[] = [];
    const sub = loop.snapshots$.subscribe((s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.map((s) => s.t)).toEqual([0]);
    const twin = make<Uint8Array, number>('Catch-v0', { obsType: 'grid' });
    expect(Array.from(seen[0]!.observation)).toEqual(Array.from(twin.reset({ seed: 4 }).observation));
    loop.stepOnce();
    loop.stepOnce();
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.map((s) => s.t)).toEqual([0, 1, 2]);
    expect(seen[2]!.step?.action).toBe(0);
    sub.unsubscribe();
    loop.complete();
  });

  it('run at no more than the set pace, stop when paused, and restart from a seeded reset', async () => {
    const { loop } = loopOf(1, false);
    const seen: Snapshot<Uint8Array, number>[] = [];
    const t0 = performance.now();
    const sub = loop.snapshots$.subscribe((s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 300));
    loop.pause();
    const elapsed = performance.now() - t0;
    const n = seen.length;
    expect(n).toBeGreaterThan(1);
    // Steps are owed by elapsed time: never more than rate × time (+ the reset snapshot).
    expect(n).toBeLessThanOrEqual(Math.ceil((elapsed / 1000) * 50) + 2);
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.length).toBe(n);
    loop.restart(9);
    await new Promise((r) => setTimeout(r, 20));
    const last = seen[seen.length - 1]!;
    expect(seen.length).toBe(n + 1);
    expect([last.step, last.episode, last.t]).toEqual([null, 0, 0]);
    const twin = make<Uint8Array, number>('Catch-v0', { obsType: 'grid' });
    expect(Array.from(last.observation)).toEqual(Array.from(twin.reset({ seed: 9 }).observation));
    sub.unsubscribe();
    loop.complete();
  });

  it('report an env error and stop stepping until a restart', async () => {
    const env = make<Uint8Array, number>('Catch-v0', { obsType: 'grid' });
    const errors: unknown[] = [];
    let fail = true;
    const loop = new PacedLoop<Uint8Array, number>(
      (s) =>
        new EnvStepper(
          env,
          () => {
            if (fail) throw new Error('policy exploded');
            return 1;
          },
          s,
        ),
      { paused: true, stepsPerSecond: 10 },
      0,
      (e) => errors.push(e),
    );
    const seen: Snapshot[] = [];
    const sub = loop.snapshots$.subscribe((s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 50));
    loop.stepOnce();
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.map((e) => (e as Error).message)).toEqual(['policy exploded']);
    fail = false;
    loop.restart(0);
    loop.stepOnce();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.map((s) => s.t)).toEqual([0, 0, 1]);
    expect(() => loop.setSpeed(0)).toThrow(/stepsPerSecond/);
    sub.unsubscribe();
    loop.complete();
  });
});
