import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { firstValueFrom, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  DqnAgent,
  NonFiniteError,
  TrainingError,
  applyOverrides,
  createRun,
  evaluate,
  getPreset,
  latestCheckpoint,
  loadAgent,
  readJsonl,
  resumeTraining,
  train,
  type MetricsRecord,
} from '../../agents/index.js';
import { getEnvRngStates, setEnvRngStates } from '../../agents/checkpoint.js';
import { importModule, make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pixelgym-train-'));
const strip = (rows: Array<Record<string, unknown>>) => rows.map(({ time: _t, fps: _f, ...rest }) => rest);

beforeAll(async () => {
  await selectBackend('wasm');
  await importModule('./test/fixtures/agents/badEnvs.js');
  await importModule('./test/fixtures/agents/corridorEnv.js');
});

describe('train()', () => {
  it('writes config, metrics, evaluations, the curve PNG, the model and checkpoints; the saved agent evaluates the same', async () => {
    const out = tmp();
    const r = await train({
      algo: 'dqn',
      env: 'CartPole-v1',
      preset: 'cartpole',
      set: ['learningStarts=200'],
      totalSteps: 1500,
      evalEvery: 500,
      evalEpisodes: 3,
      checkpointEvery: 400,
      logEvery: 250,
      seed: 3,
      out,
    });
    expect(r.steps).toBe(1500);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ algo: 'dqn', env: 'CartPole-v1', preset: 'cartpole', seed: 3 });
    expect(config.config.learningStarts).toBe(200);
    expect(config.config.network).toEqual({ type: 'mlp', hiddenSizes: [128, 128], activation: 'relu' });
    const metrics = readJsonl<MetricsRecord>(join(out, 'metrics.jsonl'));
    const episodes = metrics.filter((m) => m.kind === 'episode');
    const rows = metrics.filter((m) => m.kind === 'train');
    expect(episodes.length).toBe(r.episodes);
    expect(rows.map((m) => m.step)).toEqual([250, 500, 750, 1000, 1250, 1500]);
    expect(rows[rows.length - 1]).toHaveProperty('loss');
    expect(rows[rows.length - 1]).toHaveProperty('qMean');
    expect(rows[rows.length - 1]).toHaveProperty('epsilon');
    expect(rows[0]).toHaveProperty('fps');
    const evals = readJsonl<{ step: number; meanReturn: number }>(join(out, 'eval.jsonl'));
    expect(evals.map((e) => e.step)).toEqual([500, 1000, 1500]);
    const png = PNG.sync.read(readFileSync(join(out, 'curve.png')));
    expect([png.width, png.height]).toEqual([720, 420]);
    // Checkpoints: the last two kept, the pointer names the newest.
    const names = readdirSync(join(out, 'checkpoints')).filter((n) => n.startsWith('ckpt-')).sort();
    expect(names).toEqual(['ckpt-0000000800', 'ckpt-0000001200']);
    expect(latestCheckpoint(join(out, 'checkpoints'))!.step).toBe(1200);
    // Save/load/eval round trip.
    const loaded = await loadAgent(join(out, 'model'));
    expect(loaded.algo).toBe('dqn');
    const a = evaluate(make('CartPole-v1'), r.agent, { episodes: 3, seed: 9 });
    const b = evaluate(make('CartPole-v1'), loaded, { episodes: 3, seed: 9 });
    expect(b.returns).toEqual(a.returns);
    const obs = Float32Array.of(0.02, -0.1, 0.03, 0.2);
    expect(Array.from(loaded.explain(obs).qValues!)).toEqual(Array.from(r.agent.explain(obs).qValues!));
    loaded.dispose?.();
    r.agent.dispose?.();
  }, 600_000);

  it('exposes steps$, episodes$ and metrics$ to subscribers (the watch hook) and stops on a signal', async () => {
    const controller = new AbortController();
    let steps = 0;
    let metrics: Promise<MetricsRecord[]> | null = null;
    const r = await train({
      algo: 'reinforce',
      env: 'CartPole-v1',
      totalSteps: 100_000,
      evalEvery: 0,
      logEvery: 100,
      seed: 0,
      signal: controller.signal,
      watch: (run) => {
        metrics = firstValueFrom(run.metrics$.pipe(toArray()));
        run.steps$.subscribe((s) => {
          steps = s.globalStep;
          if (s.globalStep >= 700) controller.abort();
        });
      },
    });
    expect(r.aborted).toBe(true);
    expect(steps).toBe(r.steps);
    expect(r.steps).toBeGreaterThanOrEqual(700);
    expect(r.steps).toBeLessThan(3000);
    const all = await metrics!;
    expect(all.some((m) => m.kind === 'episode')).toBe(true);
    expect(all.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual(Array.from({ length: Math.floor(r.steps / 100) }, (_, i) => (i + 1) * 100));
    r.agent.dispose?.();
  }, 600_000);

  it('resumed in-process from a checkpoint, A2C (8 envs mid-episode) reproduces the uninterrupted run exactly', async () => {
    const common = { algo: 'a2c', env: 'CartPole-v1', preset: 'cartpole', seed: 5, totalSteps: 1200, evalEvery: 400, evalEpisodes: 2, logEvery: 200, stopAtReturn: null } as const;
    const a = tmp();
    const ra = await train({ ...common, out: a, checkpointEvery: 0 });
    ra.agent.dispose?.();
    const b = tmp();
    // Stop the second run right after its first checkpoint, as a kill would, then resume it.
    const controller = new AbortController();
    const run = await createRun({ ...common, out: b, checkpointEvery: 500, signal: controller.signal });
    run.steps$.subscribe((s) => {
      if (s.globalStep >= 560) controller.abort();
    });
    const partial = await run.start();
    expect(partial.aborted).toBe(true);
    partial.agent.dispose?.();
    expect(latestCheckpoint(join(b, 'checkpoints'))!.step).toBe(520);
    const rb = await resumeTraining(b);
    expect(rb.steps).toBe(1200);
    expect(strip(readJsonl(join(b, 'metrics.jsonl')))).toEqual(strip(readJsonl(join(a, 'metrics.jsonl'))));
    expect(strip(readJsonl(join(b, 'eval.jsonl')))).toEqual(strip(readJsonl(join(a, 'eval.jsonl'))));
    rb.agent.dispose?.();
  }, 600_000);

  it('a NaN reward stops the run with a clear error; the last checkpoint is intact and loadable', async () => {
    const out = tmp();
    const err = await train({ algo: 'dqn', env: 'Test/NanReward-v0', set: ['learningStarts=50', 'trainFrequency=1'], totalSteps: 2000, checkpointEvery: 100, evalEvery: 0, seed: 0, out }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as Error).message).toMatch(/reward NaN at env step 301/);
    expect((err as Error).cause).toBeInstanceOf(NonFiniteError);
    expect((err as TrainingError).lastCheckpoint!.step).toBe(300);
    const ck = latestCheckpoint(join(out, 'checkpoints'))!;
    expect(ck.step).toBe(300);
    expect(existsSync(join(out, 'model'))).toBe(false);
    const env = make('Test/NanReward-v0');
    const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace }, { learningStarts: 50, trainFrequency: 1 }, 0);
    await agent.loadState(join(ck.dir, 'agent'));
    expect(agent.envSteps).toBe(300);
    for (const w of agent.online.weights) expect(Array.from(w.read().dataSync()).every(Number.isFinite)).toBe(true);
    agent.dispose();
  }, 600_000);

  it('an infinite loss stops the run before the weights change (NonFiniteError)', async () => {
    const err = await train({ algo: 'a2c', env: 'Test/HugeObs-v0', config: { numEnvs: 2, nSteps: 5, network: { type: 'mlp', hiddenSizes: [8], activation: 'relu' } }, totalSteps: 200, evalEvery: 0, seed: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as Error).message).toMatch(/A2C loss is (Infinity|NaN) at update 1/);
  }, 120_000);

  it('a user env registered from a plain JS module trains (REINFORCE) and improves', async () => {
    const r = await train({ algo: 'reinforce', env: 'User/Corridor-v0', totalSteps: 4000, evalEvery: 1000, evalEpisodes: 5, seed: 1 });
    expect(r.evals[r.evals.length - 1]!.meanReturn).toBeGreaterThan(0.8);
    r.agent.dispose?.();
  }, 300_000);

  it('tabular Q-learning runs through the same loop', async () => {
    const r = await train({ algo: 'qlearning', env: 'CliffWalking-v0', preset: 'cliffwalking', totalSteps: 20_000, evalEvery: 5000, evalEpisodes: 1, seed: 0 });
    // The greedy path along the cliff: 13 steps of −1.
    expect(r.evals[r.evals.length - 1]!.meanReturn).toBe(-13);
  }, 120_000);

  it('bad inputs give clear errors', async () => {
    await expect(train({ algo: 'dqnn', env: 'CartPole-v1' })).rejects.toThrow(/unknown algorithm 'dqnn'; known: a2c, dqn, qlearning, reinforce/);
    await expect(train({ algo: 'dqn', env: 'CartPole-v1', set: ['learningrate=1'] })).rejects.toThrow(/unknown config key 'learningrate' for dqn.*optimizer\.learningRate/s);
    await expect(train({ algo: 'dqn', env: 'CartPole-v1', set: ['batchSize=big'] })).rejects.toThrow(/--set batchSize: expected a number/);
    await expect(train({ algo: 'dqn', env: 'CartPole-v1', preset: 'pong' })).rejects.toThrow(/unknown preset 'pong' for dqn; known: dqn.nature, dqn.minatar, dqn.cartpole, dqn.catch/);
    await expect(train({ algo: 'dqn', env: 'CartPol-v1' })).rejects.toThrow(/No env registered with id 'CartPol-v1'.*CartPole-v1/);
    await expect(train({ algo: 'dqn', env: 'Pendulum-v1' })).rejects.toThrow(/DQN needs a Discrete action space/);
    expect(() => applyOverrides({ a: { b: 1 } }, ['a.c=2'], 'x')).toThrow(/unknown config key 'a.c'/);
    expect(applyOverrides({ a: { b: 1 }, n: [1] }, ['a.b=2', 'n=[3,4]'], 'x')).toEqual({ a: { b: 2 }, n: [3, 4] });
    expect(getPreset('dqn', 'dqn.cartpole')).toBe(getPreset('dqn', 'cartpole'));
  });

  it('a corrupt checkpoint is refused with a clear error', async () => {
    const out = tmp();
    const r = await train({ algo: 'reinforce', env: 'CartPole-v1', totalSteps: 600, checkpointEvery: 200, evalEvery: 0, seed: 0, out });
    r.agent.dispose?.();
    const ck = latestCheckpoint(join(out, 'checkpoints'))!;
    const file = join(ck.dir, 'agent', 'policy', 'weights.bin');
    const bytes = readFileSync(file);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(() => latestCheckpoint(join(out, 'checkpoints'))).toThrow(CheckpointError);
    await expect(resumeTraining(out)).rejects.toThrow(/checkpoint .* is corrupt: agent\/policy\/weights.bin does not match its SHA-256/);
    writeFileSync(join(out, 'checkpoints', 'latest.json'), '{"name": 3');
    await expect(resumeTraining(out)).rejects.toThrow(/checkpoint pointer .* is corrupt/);
  }, 300_000);

  it('env RNG states round-trip through wrappers (action replay restores an env exactly)', () => {
    const a = make<Uint8Array, number>('MinAtar/Breakout-v1', { obsType: 'rgb' });
    a.reset({ seed: 4 });
    for (let i = 0; i < 30; i++) {
      const r = a.step(i % 3);
      if (r.terminated || r.truncated) a.reset();
    }
    const states = getEnvRngStates(a);
    expect(states.length).toBeGreaterThan(0);
    const b = make<Uint8Array, number>('MinAtar/Breakout-v1', { obsType: 'rgb' });
    b.reset({ seed: 99 });
    setEnvRngStates(b, states);
    const ra = a.reset().observation;
    const rb = b.reset().observation;
    expect(Buffer.from(rb).equals(Buffer.from(ra))).toBe(true);
    for (let i = 0; i < 50; i++) {
      const x = a.step(i % 3);
      const y = b.step(i % 3);
      expect(y.reward).toBe(x.reward);
      expect(Buffer.from(y.observation).equals(Buffer.from(x.observation))).toBe(true);
      if (x.terminated || x.truncated) break;
    }
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });
});
