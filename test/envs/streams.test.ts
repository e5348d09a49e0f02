import { firstValueFrom, lastValueFrom, map, take, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { EnvGuard, TimeLimit, episodes, randomPolicy, recentMean, rollout$, sharedRollout$, type RolloutStep, type StepContext } from '../../envs/index.js';
import { CounterEnv, PointEnv } from '../fixtures/envs.js';

const waitMacrotasks = (n: number) => new Promise<void>((resolve) => {
  const loop = (k: number) => (k === 0 ? resolve() : setImmediate(() => loop(k - 1)));
  loop(n);
});

describe('rollout$', () => {
  it('emits every step with its episode bookkeeping, seeding only the first reset', async () => {
    const env = new CounterEnv({ length: 4 });
    const steps = await lastValueFrom(rollout$(env, (obs: number) => obs % 2, { seed: 3, maxEpisodes: 3 }).pipe(toArray()));
    // Replay the same run by hand: reset({ seed }) once, unseeded resets after.
    const ref = new CounterEnv({ length: 4 });
    const starts = [ref.reset({ seed: 3 }).observation, ref.reset().observation, ref.reset().observation];
    expect(steps.map((s) => s.episode)).toEqual(starts.flatMap((s, e) => Array(4 - s).fill(e)));
    expect(env.resetCalls).toBe(3);
    steps.forEach((s, i) => {
      expect(s.globalStep).toBe(i);
      expect(s.episodeStart).toBe(s.t === 0);
      expect(s.done).toBe(s.terminated || s.truncated);
      expect(s.action).toBe(s.observation % 2);
      expect(s.reward).toBe(s.action);
      if (s.episodeStart) expect(s.observation).toBe(starts[s.episode]);
      else expect(s.observation).toBe(steps[i - 1]!.nextObservation);
    });
    expect(steps.filter((s) => s.done).map((s) => s.episode)).toEqual([0, 1, 2]);
    expect(steps.at(-1)!.done).toBe(true);
  });

  it('is deterministic for a seed, with a seeded random policy', async () => {
    const run = async () => {
      const env = new EnvGuard(new TimeLimit(new PointEnv(), 25));
      const steps = await lastValueFrom(rollout$(env, randomPolicy(env.actionSpace, 5), { seed: 21, maxSteps: 60 }).pipe(toArray()));
      return steps.map((s) => [Array.from(s.observation), Array.from(s.action), s.reward, s.truncated]);
    };
    const a = await run();
    expect(a.length).toBe(60);
    expect(await run()).toEqual(a);
  });

  it('stops stepping when unsubscribed, and take(n) steps exactly n times', async () => {
    const env = new CounterEnv({ length: 1_000_000 });
    const firstFive = await lastValueFrom(rollout$(env, () => 1).pipe(take(5), toArray()));
    expect(firstFive.length).toBe(5);
    await waitMacrotasks(5);
    expect(env.stepCalls).toBe(5);

    const endless = new CounterEnv({ length: 1_000_000 });
    const sub = rollout$(endless, () => 0, { yieldEverySteps: 100 }).subscribe();
    await waitMacrotasks(6);
    sub.unsubscribe();
    const calls = endless.stepCalls;
    expect(calls).toBeGreaterThan(0);
    await waitMacrotasks(10);
    expect(endless.stepCalls).toBe(calls);
  });

  it('yields to the event loop between bursts of at most yieldEverySteps steps (or yieldEveryMs)', async () => {
    const count = async (opts: { yieldEverySteps: number; yieldEveryMs?: number; slowMs?: number; maxSteps?: number }) => {
      let tick = 0;
      let ticking = true;
      const ticker = () => {
        tick++;
        if (ticking) setImmediate(ticker);
      };
      setImmediate(ticker);
      const { slowMs = 0, maxSteps = 400, ...rest } = opts;
      const policy = () => {
        const until = performance.now() + slowMs;
        while (performance.now() < until); // busy work standing in for a slow env
        return 1;
      };
      const ticks = await lastValueFrom(rollout$(new CounterEnv({ length: 50 }), policy, { maxSteps, ...rest }).pipe(map(() => tick), toArray()));
      ticking = false;
      const perTick = new Map<number, number>();
      for (const t of ticks) perTick.set(t, (perTick.get(t) ?? 0) + 1);
      return [...perTick.values()];
    };
    const bySteps = await count({ yieldEverySteps: 50, yieldEveryMs: 1e9 });
    expect(bySteps).toEqual(Array(8).fill(50));
    // With a zero time budget a burst ends at the first clock reading, after one step.
    const byTime = await count({ yieldEverySteps: 1e9, yieldEveryMs: 0 });
    expect(byTime).toEqual(Array(400).fill(1));
    // Slow steps (≈2 ms each) against a 5 ms budget: bursts end after a few steps, not after 1000.
    const slow = await count({ yieldEverySteps: 1000, yieldEveryMs: 5, slowMs: 2, maxSteps: 40 });
    expect(Math.max(...slow)).toBeLessThanOrEqual(4);
    expect(slow.reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('share(): two subscribers see the same steps of one run', async () => {
    const env = new CounterEnv({ length: 5 });
    const shared = sharedRollout$(env, () => 1, { seed: 1, maxSteps: 12 });
    const [a, b] = await Promise.all([lastValueFrom(shared.pipe(toArray())), lastValueFrom(shared.pipe(toArray()))]);
    expect(a.length).toBe(12);
    expect(b).toEqual(a);
    expect(b[7]).toBe(a[7]); // the very same objects
    expect(env.stepCalls).toBe(12);
  });

  it('refuses a second concurrent run on the same env, and frees the env when a run ends', async () => {
    const env = new CounterEnv({ length: 3 });
    const first = rollout$(env, () => 1, { maxSteps: 6 });
    const done = lastValueFrom(first.pipe(toArray()));
    await expect(lastValueFrom(rollout$(env, () => 0))).rejects.toThrow(/already running a rollout; share\(\)/);
    // The same env under a wrapper is the same env.
    await expect(lastValueFrom(rollout$(new TimeLimit(env, 10), () => 0))).rejects.toThrow(/already running a rollout/);
    expect((await done).length).toBe(6);
    expect((await lastValueFrom(rollout$(env, () => 0, { maxSteps: 2 }).pipe(toArray()))).length).toBe(2);
  });

  it('passes explore to an act() policy and the step context to a function policy', async () => {
    const seen: boolean[] = [];
    const actor = { act: (_obs: number, opts: { explore: boolean }) => (seen.push(opts.explore), 1) };
    await lastValueFrom(rollout$(new CounterEnv(), actor, { maxSteps: 3, explore: false }));
    expect(seen).toEqual([false, false, false]);
    const contexts: string[] = [];
    const fn = (_obs: number, ctx: StepContext) => (contexts.push(`${ctx.episode}:${ctx.t}:${ctx.globalStep}`), 0);
    await lastValueFrom(rollout$(new CounterEnv({ length: 2 }), fn, { seed: 0, maxEpisodes: 2 }));
    expect(contexts.length).toBeGreaterThanOrEqual(2);
    expect(contexts[0]).toBe('0:0:0');
    expect(contexts.at(-1)).toMatch(/^1:\d:\d$/);
  });

  it('attaches rendered frames when asked', async () => {
    const steps = await lastValueFrom(rollout$(new CounterEnv(), () => 1, { maxSteps: 3, render: true }).pipe(toArray()));
    for (const s of steps) expect([s.frame!.width, s.frame!.height, s.frame!.data.length]).toEqual([8, 4, 96]);
    const plain = await firstValueFrom(rollout$(new CounterEnv(), () => 1, { maxSteps: 1 }));
    expect(plain.frame).toBeUndefined();
  });

  it('ends with the error of a bad action and frees the env', async () => {
    const env = new EnvGuard(new CounterEnv());
    await expect(lastValueFrom(rollout$(env, () => 5, { seed: 0 }))).rejects.toThrow(/action 5 is outside the action space Discrete\(2\)/);
    expect((await lastValueFrom(rollout$(env, () => 1, { maxSteps: 2 }).pipe(toArray()))).length).toBe(2);
  });

  it('rejects bad arguments up front', () => {
    const env = new CounterEnv();
    expect(() => rollout$(env, 3 as never)).toThrow(/policy must be a function/);
    expect(() => rollout$(env, () => 1, { maxSteps: 0 })).toThrow(/maxSteps must be a positive integer/);
    expect(() => rollout$(env, () => 1, { seed: 0.5 })).toThrow(/seed must be an integer/);
    expect(() => rollout$({} as never, () => 1)).toThrow(/expected an env/);
  });
});

describe('episodes() and recentMean()', () => {
  it('folds steps into one summary per finished episode', async () => {
    const env = new TimeLimit(new CounterEnv({ length: 6 }), 4);
    const obs$ = sharedRollout$(env, (o: number) => (o * 7) % 2, { seed: 2, maxEpisodes: 5 });
    const [steps, summaries] = await Promise.all([lastValueFrom(obs$.pipe(toArray())), lastValueFrom(obs$.pipe(episodes(), toArray()))]);
    const byEpisode = new Map<number, RolloutStep<number, number>[]>();
    for (const s of steps) byEpisode.set(s.episode, [...(byEpisode.get(s.episode) ?? []), s]);
    expect(summaries.length).toBe(5);
    summaries.forEach((e, i) => {
      const own = byEpisode.get(i)!;
      expect(e).toEqual({
        episode: i,
        return: own.reduce((a, s) => a + s.reward, 0),
        length: own.length,
        terminated: own.at(-1)!.terminated,
        truncated: own.at(-1)!.truncated,
      });
    });
    expect(summaries.some((e) => e.truncated)).toBe(true);
  });

  it('leaves out an episode whose start a late subscriber missed', async () => {
    const env = new CounterEnv({ length: 100 });
    const shared = sharedRollout$(env, () => 1, { seed: 0, maxEpisodes: 2, yieldEverySteps: 10 });
    const early = lastValueFrom(shared.pipe(episodes(), toArray()));
    await waitMacrotasks(3); // the first episode is under way
    const late = await lastValueFrom(shared.pipe(episodes(), toArray()));
    const all = await early;
    expect(all.map((e) => e.episode)).toEqual([0, 1]);
    expect(late.map((e) => e.episode)).toEqual([1]);
    expect(late[0]).toEqual(all[1]);
  });

  it('recentMean averages a sliding window', async () => {
    const values: number[] = [];
    const env = new CounterEnv({ length: 3 });
    await lastValueFrom(
      rollout$(env, (o: number) => o % 2, { seed: 4, maxEpisodes: 6 }).pipe(
        episodes(),
        map((e) => e.return),
        tap((r) => values.push(r)),
        recentMean(3),
        toArray(),
      ),
    ).then((means) => {
      expect(means.length).toBe(6);
      means.forEach((m, i) => {
        const w = values.slice(Math.max(0, i - 2), i + 1);
        expect(m).toBeCloseTo(w.reduce((a, b) => a + b, 0) / w.length, 12);
      });
    });
    expect(() => recentMean(0)).toThrow(/n must be a positive integer/);
  });
});
