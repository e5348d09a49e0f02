import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { make, type Env } from '../../envs/index.js';
import { randomPolicy } from '../../envs/streams/policy.js';
import {
  DemonstrationFileError,
  DemonstrationRecorder,
  loadDemonstrations,
  saveDemonstrations,
  type Demonstrations,
} from '../../play/demos.js';

const dir = mkdtempSync(join(tmpdir(), 'pixelgym-demos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Truth {
  observations: number[][];
  actions: unknown[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
}

const flat = (x: unknown): number[] => (typeof x === 'number' ? [x] : Array.from(x as ArrayLike<number>));

/** Runs a seeded random policy for `episodes` episodes, recording and keeping the truth beside it. */
function record(env: Env, episodes: number, seed: number): { recorder: DemonstrationRecorder; truth: Truth[] } {
  const recorder = DemonstrationRecorder.forEnv(env);
  const act = randomPolicy(env.actionSpace, seed);
  const truth: Truth[] = [];
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(e === 0 ? { seed } : undefined).observation;
    recorder.beginEpisode(obs);
    const t: Truth = { observations: [flat(obs)], actions: [], rewards: [], terminated: [], truncated: [] };
    for (;;) {
      const a = act(obs);
      const r = env.step(a);
      recorder.addStep(a, r.reward, r.terminated, r.truncated, r.observation);
      t.observations.push(flat(r.observation));
      t.actions.push(flat(a));
      t.rewards.push(r.reward);
      t.terminated.push(r.terminated);
      t.truncated.push(r.truncated);
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    truth.push(t);
  }
  return { recorder, truth };
}

function expectMatches(d: Demonstrations, truth: Truth[]): void {
  expect(d.episodes.length).toBe(truth.length);
  const obsSize = d.observation.shape.reduce((a, b) => a * b, 1);
  const actSize = d.action.shape.reduce((a, b) => a * b, 1);
  d.episodes.forEach((ep, i) => {
    const t = truth[i]!;
    expect(ep.length).toBe(t.rewards.length);
    // Counted by hand: toEqual over 21k-value frames is slow.
    let mismatches = 0;
    for (let k = 0; k <= ep.length; k++) {
      const want = t.observations[k]!;
      const got = ep.observations.subarray(k * obsSize, (k + 1) * obsSize);
      if (got.length !== want.length) mismatches++;
      for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) mismatches++;
    }
    expect(mismatches).toBe(0);
    for (let k = 0; k < ep.length; k++) expect(Array.from(ep.actions.subarray(k * actSize, (k + 1) * actSize))).toEqual(t.actions[k]);
    expect(Array.from(ep.rewards)).toEqual(t.rewards);
    expect(Array.from(ep.terminated, Boolean)).toEqual(t.terminated);
    expect(Array.from(ep.truncated, Boolean)).toEqual(t.truncated);
  });
}

describe('demonstration files', () => {
  it('round-trip pixel episodes (Catch rgb: uint8 [84, 84, 3], Discrete actions)', () => {
    const env = make('Catch-v0', { obsType: 'rgb' });
    const { recorder, truth } = record(env, 3, 11);
    const path = join(dir, 'catch.demo');
    recorder.save(path);
    const d = loadDemonstrations(path);
    expect(d.envId).toBe('Catch-v0');
    expect(d.observation).toEqual({ shape: [84, 84, 3], dtype: 'uint8' });
    expect(d.action).toEqual({ shape: [], dtype: 'int32' });
    expectMatches(d, truth);
    // Every Catch episode ends by termination on its last step.
    for (const ep of d.episodes) expect(ep.terminated[ep.length - 1]).toBe(1);
  });

  it('round-trip Discrete observations and Box actions (FrozenLake int32 [], Pendulum float32 [1]), truncation included', () => {
    const lake = make('FrozenLake-v1');
    const a = record(lake, 4, 5);
    const lakePath = join(dir, 'lake.demo');
    a.recorder.save(lakePath);
    const dl = loadDemonstrations(lakePath);
    expect(dl.observation).toEqual({ shape: [], dtype: 'int32' });
    expectMatches(dl, a.truth);

    const pendulum = make('Pendulum-v1', undefined, { maxEpisodeSteps: 7 });
    const b = record(pendulum, 2, 6);
    const pPath = join(dir, 'pendulum.demo');
    b.recorder.save(pPath);
    const dp = loadDemonstrations(pPath);
    expect(dp.observation).toEqual({ shape: [3], dtype: 'float32' });
    expect(dp.action).toEqual({ shape: [1], dtype: 'float32' });
    expectMatches(dp, b.truth);
    expect(dp.episodes.map((e) => [e.length, e.truncated[e.length - 1]])).toEqual([
      [7, 1],
      [7, 1],
    ]);
  });

  it('keep an episode cut off by the end of the recording, with neither flag on its last step', () => {
    const env = make('Catch-v0', { obsType: 'grid' });
    const rec = DemonstrationRecorder.forEnv(env);
    const o = env.reset({ seed: 1 }).observation;
    rec.beginEpisode(o);
    const r1 = env.step(0);
    rec.addStep(0, r1.reward, r1.terminated, r1.truncated, r1.observation);
    const r2 = env.step(2);
    rec.addStep(2, r2.reward, r2.terminated, r2.truncated, r2.observation);
    expect([rec.episodeCount, rec.stepCount]).toEqual([1, 2]);
    const path = join(dir, 'open.demo');
    rec.save(path);
    const d = loadDemonstrations(path);
    expect(d.episodes[0]!.length).toBe(2);
    expect(Array.from(d.episodes[0]!.actions)).toEqual([0, 2]);
    expect(Array.from(d.episodes[0]!.terminated)).toEqual([0, 0]);
    expect(Array.from(d.episodes[0]!.observations as ArrayLike<number>).slice(100)).toEqual(Array.from(r2.observation as ArrayLike<number>));
  });

  it('reject bad steps with a clear error and leave the recording as it was', () => {
    const rec = new DemonstrationRecorder({ observation: { shape: [2], dtype: 'float32' }, action: { shape: [], dtype: 'int32' } });
    expect(() => rec.addStep(0, 0, false, false, [0, 0])).toThrow(/before beginEpisode/);
    rec.beginEpisode([1, 2]);
    rec.addStep(1, 0.5, false, false, [3, 4]);
    expect(() => rec.addStep(1, 0.5, false, false, [3, 4, 5])).toThrow(/must have 2 values/);
    expect(() => rec.addStep([1, 2], 0.5, false, false, [3, 4])).toThrow(/must have 1 values/);
    expect(() => rec.addStep(1, Number.NaN, false, false, [3, 4])).toThrow(/reward/);
    const d = rec.toDemonstrations();
    expect(d.episodes[0]!.length).toBe(1);
    expect(Array.from(d.episodes[0]!.observations)).toEqual([1, 2, 3, 4]);
    expect(() => new DemonstrationRecorder({ observation: { shape: [2], dtype: 'int64' as 'int32' }, action: { shape: [], dtype: 'int32' } })).toThrow(/dtype/);
  });

  it('refuse inconsistent demonstrations and write nothing (an existing file stays as it was)', () => {
    const path = join(dir, 'keep.demo');
    writeFileSync(path, 'old content');
    const bad: Demonstrations = {
      envId: null,
      observation: { shape: [2], dtype: 'float32' },
      action: { shape: [], dtype: 'int32' },
      episodes: [
        { length: 2, observations: new Float32Array(5), actions: new Int32Array(2), rewards: new Float64Array(2), terminated: new Uint8Array(2), truncated: new Uint8Array(2) },
      ],
    };
    expect(() => saveDemonstrations(path, bad)).toThrow(/observations has 5 values, expected 6/);
    expect(readFileSync(path, 'utf8')).toBe('old content');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  describe('truncated and corrupt files', () => {
    const env = make('Catch-v0', { obsType: 'grid' });
    const { recorder } = record(env, 2, 3);
    const path = join(dir, 'good.demo');
    recorder.save(path);
    const good = readFileSync(path);

    it.each([0, 4, 27, 40, Math.floor(good.length / 2), good.length - 1])('a file cut to %i bytes is rejected', (n) => {
      const p = join(dir, `cut-${n}.demo`);
      writeFileSync(p, good.subarray(0, n));
      expect(() => loadDemonstrations(p)).toThrow(DemonstrationFileError);
      expect(() => loadDemonstrations(p)).toThrow(/truncated|checksum|magic/);
    });

    it('a flipped payload byte fails the checksum', () => {
      const bad = Buffer.from(good);
      bad[good.length - 20]! ^= 0x01;
      const p = join(dir, 'flip.demo');
      writeFileSync(p, bad);
      expect(() => loadDemonstrations(p)).toThrow(/checksum mismatch/);
    });

    it('a foreign file fails on its magic, a future version on its version', () => {
      const p = join(dir, 'foreign.demo');
      writeFileSync(p, Buffer.concat([Buffer.from('GIF89a..'), good.subarray(8)]));
      expect(() => loadDemonstrations(p)).toThrow(/wrong magic/);
      const v = Buffer.from(good);
      v[8] = 2;
      writeFileSync(p, v);
      expect(() => loadDemonstrations(p)).toThrow(/version 2/);
    });

    it('a missing file is a plain not-found error', () => {
      expect(() => loadDemonstrations(join(dir, 'nope.demo'))).toThrow(/ENOENT/);
      expect(existsSync(join(dir, 'nope.demo'))).toBe(false);
    });
  });
});
