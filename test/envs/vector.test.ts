import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AsyncVectorEnv,
  Box,
  Discrete,
  MultiDiscrete,
  Rng,
  SyncVectorEnv,
  VectorEnvError,
  batchSpace,
  importModule,
  make,
  makeVec,
  mergeInfos,
  register,
  registeredIds,
  unregister,
  type AnyEnv,
  type Info,
  type VecStepResult,
  type VectorEnv,
} from '../../envs/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/vector/envs.js', import.meta.url));
const userEnvPath = fileURLToPath(new URL('../fixtures/vector/userEnv.js', import.meta.url));
const PIXEL = 'VecTest/PixelDot-v0';
const BOXWALK = 'VecTest/BoxWalk-v0';
const FAULTY = 'VecTest/Faulty-v0';
const USER = 'VecTest/User-v0';

/** OS threads of this process, worker threads included (0 where /proc is missing: the counts then agree trivially). */
const threadCount = () => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : 0);
const workerThreads = (n: number) => (existsSync('/proc/self/task') ? n : 0);

/** A flat batch of valid random actions for the vector env's single action space. */
function randomActions(vec: VectorEnv, rng: Rng): number[] {
  const s = vec.singleActionSpace.toJSON();
  if (s.type === 'Discrete') return Array.from({ length: vec.numEnvs }, () => s.start + rng.int(s.n));
  if (s.type !== 'Box') throw new Error('unexpected action space');
  const size = s.shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: vec.numEnvs * size }, (_, k) => rng.uniform(Number(s.low[k % size]), Number(s.high[k % size])));
}

function actionOf(vec: VectorEnv, actions: number[], i: number): number | Float32Array {
  if (vec.singleActionSpace instanceof Discrete || vec.singleActionSpace.toJSON().type === 'Discrete') return actions[i]!;
  const size = vec.singleActionSpace.size;
  return Float32Array.from(actions.slice(i * size, (i + 1) * size));
}

/** Sub-env i's slice of a batch, as a plain array (numbers for Discrete observations). */
function slot(vec: VectorEnv, batch: ArrayLike<number>, i: number): number[] {
  const size = vec.singleObservationSpace.size;
  return Array.from({ length: size }, (_, k) => batch[i * size + k]!);
}

const flat = (o: unknown): number[] => (typeof o === 'number' ? [o] : Array.from(o as ArrayLike<number>));

beforeAll(async () => {
  // Make sure libuv's thread pool already runs, so that thread counts below only move with workers.
  await readFile(fixtures);
  await importModule(fixtures);
  register({ id: USER, entryPoint: `./${relative(process.cwd(), userEnvPath)}:CountdownEnv`, maxEpisodeSteps: 15 });
});

afterAll(() => {
  unregister(USER);
});

describe('batch spaces and infos', () => {
  it('batches Discrete into MultiDiscrete and Box into a leading env axis', () => {
    const d = batchSpace(new Discrete(4, 2), 3);
    expect(d).toBeInstanceOf(MultiDiscrete);
    expect(Array.from((d as MultiDiscrete).nvec)).toEqual([4, 4, 4]);
    expect(Array.from((d as MultiDiscrete).start)).toEqual([2, 2, 2]);
    const b = batchSpace(new Box([-1, 0], [1, 5], [2], 'float64'), 3) as Box;
    expect(b.shape).toEqual([3, 2]);
    expect(b.dtype).toBe('float64');
    expect(Array.from(b.high)).toEqual([1, 5, 1, 5, 1, 5]);
    expect(() => batchSpace(new Discrete(2), 0)).toThrow(/numEnvs/);
  });

  it('merges infos per key with masks, by value type', () => {
    const infos: Array<Info | null> = [{ a: 1, flag: true, ep: { r: 2 }, s: 'x' }, null, { a: 3, ep: { r: 5, l: 7 }, s: 4 }];
    const m = mergeInfos(infos, 3);
    expect(m.a).toEqual(new Float64Array([1, 0, 3]));
    expect(m._a).toEqual(new Uint8Array([1, 0, 1]));
    expect(m.flag).toEqual(new Uint8Array([1, 0, 0]));
    expect(m._flag).toEqual(new Uint8Array([1, 0, 0]));
    const ep = m.ep as Record<string, unknown>;
    expect(ep.r).toEqual(new Float64Array([2, 0, 5]));
    expect(ep._l).toEqual(new Uint8Array([0, 0, 1]));
    expect(m._ep).toEqual(new Uint8Array([1, 0, 1]));
    expect(m.s).toEqual(['x', null, 4]);
    expect(mergeInfos([{}, {}], 2)).toEqual({});
  });
});

describe('SyncVectorEnv', () => {
  it('has batch shapes and dtypes from the single spaces', async () => {
    const pix = await makeVec(PIXEL, 3, { seed: 5 });
    expect(pix.observationSpace.shape).toEqual([3, 6, 6, 3]);
    expect(pix.observationSpace.dtype).toBe('uint8');
    expect(pix.actionSpace).toBeInstanceOf(MultiDiscrete);
    const r = pix.reset();
    expect(r.observations).toBeInstanceOf(Uint8Array);
    expect(r.observations.length).toBe(3 * 6 * 6 * 3);
    expect(pix.observationSpace.contains(r.observations)).toBe(true);
    expect(r.infos._startX).toEqual(new Uint8Array([1, 1, 1]));
    const s = pix.step(new Int32Array([1, 2, 3]));
    expect(s.rewards).toBeInstanceOf(Float64Array);
    expect(s.terminations).toBeInstanceOf(Uint8Array);
    expect(s.truncations).toBeInstanceOf(Uint8Array);
    expect(s.rewards.length).toBe(3);
    pix.close();

    const walk = await makeVec(BOXWALK, 2, { seed: 1 });
    expect(walk.actionSpace.shape).toEqual([2, 2]);
    expect(walk.observationSpace.shape).toEqual([2, 3]);
    expect(walk.reset().observations).toBeInstanceOf(Float32Array);
    const ws = walk.step(new Float32Array([0.5, -0.5, 0.1, 0.2]));
    expect(ws.observations.length).toBe(6);
    expect(ws.infos._dist).toEqual(new Uint8Array([1, 1]));
    expect((ws.infos.dist as Float64Array)[1]).toBeCloseTo(Math.abs(ws.observations[3]!), 5);
    walk.close();

    const disc = await makeVec(FAULTY, 4, { seed: 2 });
    const dr = disc.reset();
    expect(dr.observations).toBeInstanceOf(Int32Array);
    expect(dr.observations.length).toBe(4);
    expect(disc.observationSpace).toBeInstanceOf(MultiDiscrete);
    expect(disc.observationSpace.contains(dr.observations)).toBe(true);
    disc.close();
  });

  it.each([PIXEL, BOXWALK, FAULTY])('%s: sub-env i follows a single env seeded with seed + i, with next-step autoreset', async (id) => {
    const n = 4;
    const vec = await makeVec(id, n);
    const singles: AnyEnv[] = Array.from({ length: n }, () => make(id));
    const rng = new Rng(11);
    const r = vec.reset({ seed: 100 });
    const done = new Array<boolean>(n).fill(false);
    singles.forEach((e, i) => expect(slot(vec, r.observations, i)).toEqual(flat(e.reset({ seed: 100 + i }).observation)));
    let autoresets = 0;
    for (let t = 0; t < 200; t++) {
      const a = randomActions(vec, rng);
      const s = vec.step(a);
      singles.forEach((e, i) => {
        if (done[i]) {
          // The step after the end: reset, action ignored, reward 0, flags false.
          autoresets++;
          const rr = e.reset();
          expect(slot(vec, s.observations, i)).toEqual(flat(rr.observation));
          expect([s.rewards[i], s.terminations[i], s.truncations[i]]).toEqual([0, 0, 0]);
          done[i] = false;
          return;
        }
        const sr = e.step(actionOf(vec, a, i));
        expect(slot(vec, s.observations, i)).toEqual(flat(sr.observation));
        expect(s.rewards[i]).toBe(sr.reward);
        expect([s.terminations[i], s.truncations[i]]).toEqual([sr.terminated ? 1 : 0, sr.truncated ? 1 : 0]);
        done[i] = sr.terminated || sr.truncated;
      });
      expect(s.infos.finalObservation).toBeUndefined();
    }
    expect(autoresets).toBeGreaterThan(5);
    vec.close();
  });

  it('takes one seed per env as a list, and the constructor seed for the first reset only', async () => {
    const vec = await makeVec(BOXWALK, 2, { seed: 50 });
    const first = vec.reset().observations;
    expect(first).toEqual(Float32Array.from([...flat(make(BOXWALK).reset({ seed: 50 }).observation), ...flat(make(BOXWALK).reset({ seed: 51 }).observation)]));
    expect(vec.reset().observations).not.toEqual(first);
    const listed = vec.reset({ seed: [7, 3] }).observations;
    expect(listed).toEqual(Float32Array.from([...flat(make(BOXWALK).reset({ seed: 7 }).observation), ...flat(make(BOXWALK).reset({ seed: 3 }).observation)]));
    vec.close();
  });

  it('ignores the action of an env being autoreset (next-step)', async () => {
    const a = await makeVec(FAULTY, 2, { seed: 3 });
    const b = await makeVec(FAULTY, 2, { seed: 3 });
    a.reset();
    b.reset();
    let checked = 0;
    let prev: VecStepResult | null = null;
    for (let t = 0; t < 200 && checked < 3; t++) {
      const acts = [t % 2, (t >> 1) % 2];
      const other = [...acts];
      // Where the previous step ended an episode, give b the other action: results must not differ.
      for (let i = 0; prev && i < 2; i++) {
        if (prev.terminations[i] || prev.truncations[i]) {
          other[i] = 1 - acts[i]!;
          checked++;
        }
      }
      const sa = a.step(acts);
      const sb = b.step(other);
      expect(sb.observations).toEqual(sa.observations);
      expect(sb.rewards).toEqual(sa.rewards);
      prev = sa;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    a.close();
    b.close();
  });

  it('same-step mode resets at once and reports the final observation and info', async () => {
    const n = 3;
    const vec = await makeVec(BOXWALK, n, { autoresetMode: 'same-step' });
    const singles = Array.from({ length: n }, () => make(BOXWALK));
    const rng = new Rng(5);
    vec.reset({ seed: 40 });
    singles.forEach((e, i) => e.reset({ seed: 40 + i }));
    let finals = 0;
    for (let t = 0; t < 150; t++) {
      const a = randomActions(vec, rng);
      const s = vec.step(a);
      const ended = singles.map((e, i) => {
        const sr = e.step(actionOf(vec, a, i));
        expect(s.rewards[i]).toBe(sr.reward);
        expect([s.terminations[i], s.truncations[i]]).toEqual([sr.terminated ? 1 : 0, sr.truncated ? 1 : 0]);
        if (!(sr.terminated || sr.truncated)) {
          expect(slot(vec, s.observations, i)).toEqual(flat(sr.observation));
          return false;
        }
        finals++;
        expect(flat(s.infos.finalObservation![i])).toEqual(flat(sr.observation));
        expect(s.infos.finalInfo![i]).toEqual(sr.info);
        expect(slot(vec, s.observations, i)).toEqual(flat(e.reset().observation));
        return true;
      });
      if (ended.some(Boolean)) {
        expect(Array.from(s.infos._finalObservation!)).toEqual(ended.map(Number));
        expect(s.infos.finalObservation!.filter((x, i) => !ended[i] && x !== null)).toEqual([]);
      } else expect(s.infos.finalObservation).toBeUndefined();
    }
    expect(finals).toBeGreaterThan(5);
    vec.close();
  });

  it('rejects bad input with a clear error and changes nothing', async () => {
    const vec = await makeVec(PIXEL, 2, { seed: 9 });
    const ref = await makeVec(PIXEL, 2, { seed: 9 });
    expect(() => vec.step([0, 0])).toThrow(/reset/);
    vec.reset();
    ref.reset();
    expect(() => vec.step([0, 1, 2])).toThrow(/expected 2 actions, got 3/);
    expect(() => vec.step([0, 7])).toThrow(/env 1 is 7/);
    expect(() => vec.step([0.5, 1])).toThrow(/env 0/);
    expect(() => vec.step(5 as unknown as number[])).toThrow(/typed array or number\[\]/);
    expect(() => vec.reset({ seed: 1.5 })).toThrow(/integer/);
    expect(() => vec.reset({ seed: [1] })).toThrow(/2 seeds/);
    for (let t = 0; t < 30; t++) {
      const a = [t % 5, (t * 3) % 5];
      expect(vec.step(a).observations).toEqual(ref.step(a).observations);
    }
    const walk = await makeVec(BOXWALK, 2);
    walk.reset();
    expect(() => walk.step([0, 0, 0])).toThrow(/expected 4 actions \(2 envs × 2\), got 3/);
    expect(() => walk.step([0, 0, 0, 1.5])).toThrow(/env 1 has 1.5 at index 1/);
    expect(() => walk.step([0, NaN, 0, 0])).toThrow(/non-finite/);
    expect(() => new SyncVectorEnv([])).toThrow(/positive integer/);
    expect(() => new SyncVectorEnv([() => make(PIXEL), () => make(BOXWALK)])).toThrow(/env 1 has observation space/);
    expect(() => new SyncVectorEnv([() => make(PIXEL)], { autoresetMode: 'never' as 'same-step' })).toThrow(/autoresetMode/);
    vec.close();
    ref.close();
    walk.close();
    vec.close(); // idempotent
    expect(() => vec.reset()).toThrow(/after close/);
  });

  it('names the env that throws and needs a reset afterwards', async () => {
    const vec = new SyncVectorEnv(
      Array.from({ length: 3 }, () => () => make(FAULTY, { failSeed: 22, failAtStep: 2 })),
      { seed: 20 },
    );
    vec.reset();
    vec.step([0, 0, 0]);
    let err: unknown = null;
    try {
      vec.step([0, 0, 0]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VectorEnvError);
    expect((err as VectorEnvError).envIndex).toBe(2);
    expect((err as Error).message).toMatch(/env 2 failed in step\(\): faulty env exploded at step 2/);
    expect(() => vec.step([0, 0, 0])).toThrow(/reset/);
    expect(vec.reset({ seed: 0 }).observations.length).toBe(3);
    expect(vec.step([1, 1, 1]).rewards).toEqual(new Float64Array([1, 1, 1]));
    vec.close();
  });

  it('returns its own buffers with copy: false, fresh arrays by default', async () => {
    const shared = await makeVec(PIXEL, 2, { seed: 1, copy: false });
    const fresh = await makeVec(PIXEL, 2, { seed: 1 });
    const a = shared.reset().observations;
    expect(shared.step([1, 1]).observations).toBe(a);
    const b = fresh.reset().observations;
    expect(fresh.step([1, 1]).observations).not.toBe(b);
    expect(fresh.step([2, 2]).observations).toEqual(shared.step([2, 2]).observations);
    shared.close();
    fresh.close();
  });

  it('applies wrappers given as functions or module references', async () => {
    const plain = await makeVec(FAULTY, 2, { seed: 4 });
    const wrapped = await makeVec(FAULTY, 2, { seed: 4, wrappers: [`${fixtures}:FlipReward`] });
    plain.reset();
    wrapped.reset();
    for (let t = 0; t < 20; t++) {
      const a = [1, t % 2];
      const r0 = plain.step(a).rewards;
      const r1 = wrapped.step(a).rewards;
      // + 0 turns -0 into 0: autoreset steps report 0 without calling the wrapper.
      expect(Array.from(r1, (x) => x + 0)).toEqual(Array.from(r0, (x) => -2 * x + 0));
      if (t === 0) expect(r0[0]).toBe(1);
    }
    plain.close();
    wrapped.close();
  });
});

/** Steps a sync and an async vector env in lockstep with the same seeded actions; every result must match. */
async function lockstep(sync: VectorEnv, vec: VectorEnv, steps: number, seed: number): Promise<number> {
  const rng = new Rng(seed);
  const r0 = await sync.reset({ seed });
  const r1 = await vec.reset({ seed });
  expect(r1.observations).toEqual(r0.observations);
  expect(r1.infos).toEqual(r0.infos);
  let ends = 0;
  for (let t = 0; t < steps; t++) {
    const a = randomActions(sync, rng);
    const s0 = await sync.step(a);
    const s1 = await vec.step(a);
    expect(s1.observations).toEqual(s0.observations);
    expect(s1.rewards).toEqual(s0.rewards);
    expect(s1.terminations).toEqual(s0.terminations);
    expect(s1.truncations).toEqual(s0.truncations);
    expect(s1.infos).toEqual(s0.infos);
    for (let i = 0; i < sync.numEnvs; i++) ends += s0.terminations[i]! | s0.truncations[i]!;
  }
  return ends;
}

describe('AsyncVectorEnv', () => {
  // wait: 'blocking' is the default fast path (Atomics.wait, polling workers); 'event loop' never blocks nor polls.
  const cases: Array<{ id: string; n: number; workers: number; mode: 'next-step' | 'same-step'; wait: 'blocking' | 'event loop' }> = [
    { id: PIXEL, n: 4, workers: 2, mode: 'next-step', wait: 'blocking' },
    { id: PIXEL, n: 5, workers: 2, mode: 'same-step', wait: 'event loop' },
    { id: BOXWALK, n: 3, workers: 3, mode: 'same-step', wait: 'blocking' },
    { id: FAULTY, n: 3, workers: 1, mode: 'next-step', wait: 'blocking' },
    ...(registeredIds().includes('CartPole-v1') ? [{ id: 'CartPole-v1', n: 2, workers: 2, mode: 'same-step' as const, wait: 'blocking' as const }] : []),
  ];

  it.each(cases)('$id ($n envs, $workers workers, $mode, $wait wait) matches SyncVectorEnv step for step', async ({ id, n, workers, mode, wait }) => {
    const base = threadCount();
    const sync = await makeVec(id, n, { autoresetMode: mode });
    const waitOpts = wait === 'event loop' ? { blockingWaitMs: 0, spinMicros: 0 } : {};
    const vec = await makeVec(id, n, { async: true, numWorkers: workers, autoresetMode: mode, imports: [fixtures], timeoutMs: 30_000, ...waitOpts });
    try {
      expect(threadCount()).toBe(base + workerThreads(workers));
      expect(vec.observationSpace.toJSON()).toEqual(sync.observationSpace.toJSON());
      expect(vec.actionSpace.toJSON()).toEqual(sync.actionSpace.toJSON());
      expect(vec.workerStates.map((w) => w.envIndices.length).reduce((a, b) => a + b)).toBe(n);
      const ends = await lockstep(sync, vec, 300, 77);
      expect(ends).toBeGreaterThan(3);
    } finally {
      sync.close();
      await vec.close();
    }
    expect(vec.workerStates.every((w) => w.exited)).toBe(true);
    expect(threadCount()).toBe(base);
  });

  it('blocks the thread for steps within blockingWaitMs and lets the event loop run for longer ones', async () => {
    const common = { async: true as const, imports: [fixtures], kwargs: { stepMs: 30 }, timeoutMs: 30_000 };
    // A 30 ms step against a 20 s blocking budget is answered without the event loop; with a
    // 1 ms budget, or none, the event loop runs while the workers step.
    const budgets = [20_000, 1, 0];
    const vecs = await Promise.all(budgets.map((blockingWaitMs) => makeVec(FAULTY, 2, { ...common, blockingWaitMs })));
    const sync = await makeVec(FAULTY, 2, { kwargs: { stepMs: 30 } });
    try {
      const actions = [
        [0, 1],
        [1, 1],
        [1, 0],
      ];
      await sync.reset({ seed: 4 });
      const expected = actions.map((a) => sync.step(a).observations);
      for (const [k, vec] of vecs.entries()) {
        await vec.reset({ seed: 4 });
        for (const [t, a] of actions.entries()) {
          let ran = false; // whether a callback queued before the step ran before its promise settled
          setImmediate(() => (ran = true));
          const s = await vec.step(a);
          expect(ran).toBe(budgets[k] !== 20_000);
          expect(s.observations).toEqual(expected[t]);
        }
      }
    } finally {
      sync.close();
      await Promise.all(vecs.map((v) => v.close()));
    }
  });

  it('notices a worker that exits while this thread is blocked waiting for it', { timeout: 40_000 }, async () => {
    // Only the worker's exit hook can end this 100 s blocking wait before the test's 40 s timeout.
    const vec = await makeVec(FAULTY, 2, {
      async: true,
      imports: [fixtures],
      kwargs: { failSeed: 1, failMode: 'exit', failAtStep: 2 },
      blockingWaitMs: 100_000,
      timeoutMs: 100_000,
    });
    await vec.reset({ seed: 0 });
    // Env 1 exits at its second step since its seeded reset (an autoreset in between may delay it).
    let err: unknown = null;
    for (let t = 0; t < 10 && err === null; t++)
      err = await vec.step([0, 0]).then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(VectorEnvError);
    expect((err as Error).message).toMatch(/env 1: worker thread exited with code 7 during step\(\)/);
    expect(vec.closed).toBe(true);
    await vec.close();
    expect(vec.workerStates.every((w) => w.exited)).toBe(true);
  });

  it('stepSync and resetSync block until the workers are done and match SyncVectorEnv', async () => {
    const sync = await makeVec(BOXWALK, 3, { autoresetMode: 'same-step' });
    const vec = await makeVec(BOXWALK, 3, { async: true, numWorkers: 2, autoresetMode: 'same-step', imports: [fixtures], timeoutMs: 30_000 });
    try {
      expect(() => vec.stepSync([0, 0, 0, 0, 0, 0])).toThrow(/needs a successful reset/);
      const r0 = sync.reset({ seed: 21 });
      const r1 = vec.resetSync({ seed: 21 });
      expect(r1.observations).toEqual(r0.observations);
      const rng = new Rng(5);
      let ends = 0;
      for (let t = 0; t < 120; t++) {
        const a = randomActions(sync, rng);
        const s0 = sync.step(a);
        const s1 = vec.stepSync(a);
        expect(s1.observations).toEqual(s0.observations);
        expect(s1.rewards).toEqual(s0.rewards);
        expect(s1.terminations).toEqual(s0.terminations);
        expect(s1.infos).toEqual(s0.infos);
        ends += s0.terminations.reduce((x, y) => x + y, 0);
      }
      expect(ends).toBeGreaterThan(3);
      // The async call counts as running until its promise settles.
      const p = vec.step(randomActions(sync, rng));
      expect(() => vec.stepSync(randomActions(sync, rng))).toThrow(/another call/);
      await p;
    } finally {
      sync.close();
      await vec.close();
    }
  });

  it('stepSync names a dead or stuck worker and closes the vector env', async () => {
    const base = threadCount();
    const dying = await makeVec(FAULTY, 2, { async: true, imports: [fixtures], kwargs: { failSeed: 1, failMode: 'exit', failAtStep: 2 }, timeoutMs: 100_000 });
    dying.resetSync({ seed: 0 });
    let err: unknown = null;
    for (let t = 0; t < 10 && err === null; t++) {
      try {
        dying.stepSync([0, 0]);
      } catch (e) {
        err = e;
      }
    }
    expect(err).toBeInstanceOf(VectorEnvError);
    expect((err as VectorEnvError).envIndices).toEqual([1]);
    expect((err as Error).message).toMatch(/env 1: worker thread exited with code 7 during step\(\)/);
    expect(dying.closed).toBe(true);
    await dying.close();
    expect(() => dying.stepSync([0, 0])).toThrow(/after close\(\) \(it shut down after: env 1: worker thread exited/);

    const stuck = await makeVec(FAULTY, 2, { async: true, imports: [fixtures], kwargs: { failSeed: 0, failMode: 'hang', failAtStep: 1 }, timeoutMs: 3000 });
    stuck.resetSync({ seed: 0 });
    expect(() => stuck.stepSync([0, 0])).toThrow(/env 0: no answer to step\(\) within 3000 ms/);
    expect(stuck.closed).toBe(true);
    await stuck.close();
    expect([...dying.workerStates, ...stuck.workerStates].every((w) => w.exited)).toBe(true);
    expect(threadCount()).toBe(base);
  });

  it('checks the waiting options before starting any thread', async () => {
    const base = threadCount();
    await expect(makeVec(FAULTY, 2, { async: true, imports: [fixtures], blockingWaitMs: -1 })).rejects.toThrow(/blockingWaitMs must be in \[0, timeoutMs\]/);
    await expect(makeVec(FAULTY, 2, { async: true, imports: [fixtures], blockingWaitMs: 10, timeoutMs: 5 })).rejects.toThrow(/blockingWaitMs/);
    await expect(makeVec(FAULTY, 2, { async: true, imports: [fixtures], spinMicros: Number.NaN })).rejects.toThrow(/spinMicros must be in/);
    expect(threadCount()).toBe(base);
  });

  it('rebuilds a user env registered by module path inside the workers', async () => {
    const sync = await makeVec(USER, 2);
    const vec = await makeVec(USER, 2, { async: true, timeoutMs: 30_000 });
    try {
      expect(vec.spec?.entryPoint).toMatch(/userEnv\.js:CountdownEnv$/);
      expect(vec.spec?.maxEpisodeSteps).toBe(15);
      const ends = await lockstep(sync, vec, 60, 3);
      expect(ends).toBeGreaterThan(2);
    } finally {
      sync.close();
      await vec.close();
    }
  });

  it('applies wrapper module references inside the workers', async () => {
    const sync = await makeVec(FAULTY, 2, { wrappers: [`${fixtures}:FlipReward`] });
    const vec = await makeVec(FAULTY, 2, { async: true, imports: [fixtures], wrappers: [`${fixtures}:FlipReward`], timeoutMs: 30_000 });
    try {
      await lockstep(sync, vec, 40, 8);
      const s = await vec.step([1, 1]);
      expect(Array.from(s.rewards).every((r) => r === -2 || r === 0)).toBe(true);
    } finally {
      sync.close();
      await vec.close();
    }
    await expect(makeVec(FAULTY, 2, { async: true, wrappers: [(e) => e] })).rejects.toThrow(/wrappers must be 'module.js:Export'/);
  });

  it('rejects bad actions before sending anything, and concurrent calls', async () => {
    const sync = await makeVec(PIXEL, 2);
    const vec = await makeVec(PIXEL, 2, { async: true, imports: [fixtures], timeoutMs: 30_000 });
    try {
      await expect(vec.step([0, 0])).rejects.toThrow(/reset/);
      await sync.reset({ seed: 6 });
      await vec.reset({ seed: 6 });
      for (let t = 0; t < 40; t++) {
        await expect(vec.step([1, 2, 3])).rejects.toThrow(/expected 2 actions, got 3/);
        await expect(vec.step(new Int32Array([0, 9]))).rejects.toThrow(/env 1 is 9/);
        const a = [t % 5, (t + 2) % 5];
        expect((await vec.step(a)).observations).toEqual(sync.step(a).observations);
      }
      const p = vec.step([0, 0]);
      await expect(vec.step([0, 0])).rejects.toThrow(/another call/);
      await p;
      await expect(vec.reset({ options: { f: () => 1 } })).rejects.toThrow(/options can't be sent/);
    } finally {
      sync.close();
      await vec.close();
    }
  });

  it('names the env whose worker throws, needs a reset, and recovers', async () => {
    const vec = await makeVec(FAULTY, 3, { async: true, imports: [fixtures], kwargs: { failSeed: 32, failAtStep: 2 }, timeoutMs: 30_000 });
    try {
      await vec.reset({ seed: 30 });
      await vec.step([0, 0, 0]);
      const err = await vec.step([0, 0, 0]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VectorEnvError);
      expect((err as VectorEnvError).envIndices).toEqual([2]);
      expect((err as Error).message).toMatch(/env 2 failed in step\(\): faulty env exploded at step 2/);
      await expect(vec.step([0, 0, 0])).rejects.toThrow(/reset/);
      await vec.reset({ seed: 0 });
      expect((await vec.step([1, 1, 1])).rewards).toEqual(new Float64Array([1, 1, 1]));
    } finally {
      await vec.close();
    }
    expect(vec.workerStates.every((w) => w.exited)).toBe(true);
  });

  it('names the env whose worker dies, closes itself and leaves no thread behind', async () => {
    const base = threadCount();
    const vec = await makeVec(FAULTY, 3, { async: true, imports: [fixtures], kwargs: { failSeed: 11, failMode: 'exit' }, timeoutMs: 30_000 });
    await vec.reset({ seed: 10 });
    await vec.step([0, 0, 0]);
    await vec.step([0, 0, 0]);
    const err = await vec.step([0, 0, 0]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VectorEnvError);
    expect((err as VectorEnvError).envIndices).toEqual([1]);
    expect((err as Error).message).toMatch(/env 1: worker thread exited with code 7 during step\(\)/);
    expect(vec.closed).toBe(true);
    await vec.close();
    expect(vec.workerStates.map((w) => w.exited)).toEqual([true, true, true]);
    expect(threadCount()).toBe(base);
    await expect(vec.step([0, 0, 0])).rejects.toThrow(/after close\(\) \(it shut down after: env 1: worker thread exited/);
  });

  it('times out on a stuck env and terminates its worker', async () => {
    const base = threadCount();
    const vec = await makeVec(FAULTY, 2, { async: true, imports: [fixtures], kwargs: { failSeed: 0, failMode: 'hang', failAtStep: 1 }, timeoutMs: 4000 });
    await vec.reset({ seed: 0 });
    await expect(vec.step([0, 0])).rejects.toThrow(/env 0: no answer to step\(\) within 4000 ms/);
    await vec.close();
    expect(vec.workerStates.every((w) => w.exited)).toBe(true);
    expect(threadCount()).toBe(base);
  });

  it('close() during a stuck step ends the threads and rejects that step', async () => {
    const base = threadCount();
    const vec = await makeVec(FAULTY, 2, { async: true, imports: [fixtures], kwargs: { failSeed: 1, failMode: 'hang', failAtStep: 1 }, timeoutMs: 60_000 });
    await vec.reset({ seed: 0 });
    const stuck = vec.step([0, 0]).then(
      () => null,
      (e: unknown) => e,
    );
    await vec.close();
    const err = await stuck;
    expect(err).toBeInstanceOf(VectorEnvError);
    expect((err as Error).message).toMatch(/close\(\) was called during step\(\)/);
    // Env 1 hangs; env 0 may or may not have finished before its thread ended.
    expect((err as VectorEnvError).envIndices).toContain(1);
    expect(vec.workerStates.every((w) => w.exited)).toBe(true);
    expect(threadCount()).toBe(base);
  });

  it('fails to start with a clear error and no thread left', async () => {
    const base = threadCount();
    await expect(makeVec('VecTest/Nope-v0', 2, { async: true, timeoutMs: 30_000 })).rejects.toThrow(/No env registered with id 'VecTest\/Nope-v0'/);
    // Registered here with a class only: the workers cannot see it without `imports`.
    await expect(makeVec(PIXEL, 1, { async: true, timeoutMs: 30_000 })).rejects.toThrow(
      /env 0: worker could not build the env: No env registered .*registered in this thread with a class or factory/,
    );
    await expect(makeVec(PIXEL, 2, { async: true, imports: ['./test/fixtures/vector/missing.js'] })).rejects.toThrow(
      /worker could not build the env: Cannot find module/,
    );
    await expect(AsyncVectorEnv.create({ id: PIXEL, numEnvs: 2, numWorkers: 3 })).rejects.toThrow(/numWorkers/);
    expect(threadCount()).toBe(base);
  });

  it('close() ends every worker thread and is idempotent', async () => {
    const base = threadCount();
    const vec = await makeVec(PIXEL, 3, { async: true, imports: [fixtures], timeoutMs: 30_000 });
    expect(threadCount()).toBe(base + workerThreads(3));
    await vec.reset({ seed: 1 });
    await Promise.all([vec.close(), vec.close()]);
    await vec.close();
    expect(vec.closed).toBe(true);
    expect(vec.workerStates.map((w) => [w.exited, w.exitCode === null])).toEqual([
      [true, false],
      [true, false],
      [true, false],
    ]);
    expect(threadCount()).toBe(base);
    await expect(vec.reset()).rejects.toThrow(/after close/);
  });
});
