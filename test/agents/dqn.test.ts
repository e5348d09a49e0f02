import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DqnAgent, dqnPresets, evaluate, singleEnvStep, train } from '../../agents/index.js';
import { applyPreprocess } from '../../agents/preprocess.js';
import { make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pixelgym-dqn-'));

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Feeds `steps` random-policy CartPole steps to an agent through observe(); returns the env. */
function feed(agent: DqnAgent, steps: number, seed = 0): void {
  const env = make<Float32Array, number>('CartPole-v1');
  let obs = env.reset({ seed }).observation.slice();
  for (let t = 1; t <= steps; t++) {
    const a = agent.trainAct([obs])[0]!;
    const r = env.step(a);
    const next = r.observation.slice();
    agent.observe(singleEnvStep(t, obs, a, r, next));
    obs = r.terminated || r.truncated ? env.reset().observation.slice() : next;
  }
}

describe('DQN', () => {
  const cartpole = () => make('CartPole-v1');
  const info = () => {
    const e = cartpole();
    return { observationSpace: e.observationSpace, actionSpace: e.actionSpace, id: 'CartPole-v1' };
  };

  it('keeps tf.memory().numTensors flat across updates (double, dueling, n-step, prioritized)', () => {
    for (const config of [
      {},
      { double: true, dueling: true, nStep: 3, prioritized: true, maxGradNorm: 10, tau: 0.1 },
      { loss: 'mse' as const, fastAct: false },
    ]) {
      const agent = new DqnAgent(info(), { ...config, learningStarts: 50, trainFrequency: 1, targetUpdateInterval: 7, batchSize: 16, bufferSize: 500 }, 1);
      feed(agent, 120);
      const before = tf.memory().numTensors;
      feed(agent, 60, 1);
      expect(agent.updates).toBeGreaterThan(100);
      expect(tf.memory().numTensors).toBe(before);
      agent.dispose();
    }
  });

  it('ε decays linearly from epsilonStart to epsilonEnd over explorationSteps', () => {
    const agent = new DqnAgent(info(), { epsilonStart: 1, epsilonEnd: 0.1, explorationSteps: 100, learningStarts: 1000 }, 0);
    expect(agent.epsilon).toBe(1);
    feed(agent, 50);
    expect(agent.epsilon).toBeCloseTo(0.55, 10);
    feed(agent, 100);
    expect(agent.epsilon).toBeCloseTo(0.1, 10);
    agent.dispose();
  });

  it('explain() gives the greedy action and its Q-values', () => {
    const agent = new DqnAgent(info(), {}, 3);
    const obs = Float32Array.of(0.01, 0.02, -0.03, 0.04);
    const e = agent.explain(obs);
    expect(e.qValues).toHaveLength(2);
    expect(e.action).toBe(e.qValues![0]! >= e.qValues![1]! ? 0 : 1);
    expect(agent.act(obs, { explore: false })).toBe(e.action);
    agent.dispose();
  });

  it('the Nature and MinAtar presets follow their papers', () => {
    const n = dqnPresets['nature']!.config;
    expect(n.network).toEqual({ type: 'natureCnn' });
    expect([n.bufferSize, n.batchSize, n.targetUpdateInterval, n.learningStarts, n.trainFrequency, n.explorationSteps]).toEqual([1_000_000, 32, 10_000, 50_000, 4, 1_000_000]);
    expect(n.optimizer).toMatchObject({ type: 'rmsprop', learningRate: 2.5e-4, centered: true });
    expect(n.epsilonEnd).toBe(0.1);
    const m = dqnPresets['minatar']!.config;
    expect(m.network).toMatchObject({ type: 'minatarCnn' });
    expect([m.bufferSize, m.batchSize, m.targetUpdateInterval, m.learningStarts, m.explorationSteps]).toEqual([100_000, 32, 1000, 5000, 100_000]);
    expect(m.optimizer).toMatchObject({ type: 'rmsprop', learningRate: 2.5e-4, centered: true });
  });

  it('refuses conv nets too deep for the frame size before building anything', () => {
    const env = make('Catch-v0', { obsType: 'rgb', width: 10, height: 20 });
    const spaces = { observationSpace: env.observationSpace, actionSpace: env.actionSpace };
    const tensors = tf.memory().numTensors;
    expect(() => new DqnAgent(spaces, { network: { type: 'natureCnn' } }, 0)).toThrow(/natureCnn' is too deep for 20×10 frames/);
    expect(() => new DqnAgent(spaces, { network: { type: 'smallCnn', filters: [8, 8], kernelSizes: [5, 5], strides: [2, 2], hidden: 16 } }, 0)).toThrow(
      /smallCnn' is too deep/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    // The same smallCnn fits once the frames are big enough.
    const big = make('Catch-v0', { obsType: 'rgb', width: 40, height: 40 });
    new DqnAgent({ observationSpace: big.observationSpace, actionSpace: big.actionSpace }, { network: { type: 'smallCnn', filters: [8, 8], kernelSizes: [5, 5], strides: [2, 2], hidden: 16 } }, 0).dispose();
  });

  it('builds the Nature CNN for stacked 84×84 frames and takes a train step on wasm', () => {
    const env = applyPreprocess(make('MinAtar/Breakout-v1', { obsType: 'rgb' }), dqnPresets['nature']!.config.preprocess!);
    expect(env.observationSpace.shape).toEqual([84, 84, 4]);
    const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace }, { ...dqnPresets['nature']!.config, bufferSize: 200, learningStarts: 40, batchSize: 4 }, 0);
    let obs = env.reset({ seed: 0 }).observation as Uint8Array;
    let before = -1;
    for (let t = 1; t <= 48; t++) {
      const a = agent.trainAct([obs])[0]!;
      const r = env.step(a);
      const next = (r.observation as Uint8Array).slice();
      agent.observe(singleEnvStep(t, obs, a, r, next));
      obs = r.terminated || r.truncated ? (env.reset().observation as Uint8Array).slice() : next;
      // The first update creates the optimizer's slots; the second must add nothing.
      if (t === 44) before = tf.memory().numTensors;
    }
    expect(agent.updates).toBe(2);
    expect(agent.replay.sampleShape).toEqual([84, 84, 4]);
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  });

  it(
    'solves CartPole-v1 (evaluation mean ≥ 475) within 50k env steps with the cartpole preset',
    async () => {
      const r = await train({ algo: 'dqn', env: 'CartPole-v1', preset: 'cartpole', seed: 0, backend: 'wasm', out: tmp() });
      expect(r.steps).toBeLessThanOrEqual(50_000);
      expect(r.solvedAtStep).not.toBeNull();
      expect(r.bestMeanReturn!).toBeGreaterThanOrEqual(475);
      // The final model (the run stops at the first evaluation ≥ 475) holds on fresh seeds.
      const check = evaluate(make('CartPole-v1'), r.agent, { episodes: 10, seed: 12345 });
      expect(check.meanReturn).toBeGreaterThanOrEqual(400);
      r.agent.dispose?.();
    },
    900_000,
  );

  it(
    'learns Catch from pixels (84×84 RGB → 20×10 gray, small CNN): evaluation mean ≥ 0.9',
    async () => {
      const r = await train({ algo: 'dqn', env: 'Catch-v0', preset: 'catch', seed: 0, backend: 'wasm' });
      expect(r.steps).toBeLessThanOrEqual(6000);
      expect(r.bestMeanReturn!).toBeGreaterThanOrEqual(0.9);
      const env = applyPreprocess(make('Catch-v0', { obsType: 'rgb' }), dqnPresets['catch']!.config.preprocess!);
      const check = evaluate(env, r.agent, { episodes: 50, seed: 777 });
      expect(check.meanReturn).toBeGreaterThanOrEqual(0.9);
      r.agent.dispose?.();
    },
    900_000,
  );
});
