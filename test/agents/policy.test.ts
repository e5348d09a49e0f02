import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2cAgent, ReinforceAgent, a2cPresets, evaluate, reinforcePresets, train, type TrainStep, type TrainableAgent } from '../../agents/index.js';
import type { Env } from '../../envs/index.js';
import { Box, make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const infoOf = (id: string) => {
  const e = make(id);
  return { observationSpace: e.observationSpace, actionSpace: e.actionSpace, id };
};

/**
 * Drives `agent` on `numEnvs` copies of `id` for `steps` loop steps (as the training loop does) and
 * returns the metrics of every update and each env's per-step episode-start flags.
 */
function drive(agent: TrainableAgent, id: string, steps: number, seed = 0, onStep?: (t: number, done: Uint8Array) => void) {
  const n = agent.numEnvs;
  const envs: Env[] = Array.from({ length: n }, () => make(id));
  let obs = envs.map((e, i) => copy(e.reset({ seed: seed + i }).observation));
  const updates: Array<Record<string, number>> = [];
  let global = 0;
  for (let t = 0; t < steps; t++) {
    const actions = agent.trainAct(obs);
    const rewards = new Float64Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const next: unknown[] = [];
    const current: unknown[] = [];
    envs.forEach((env, e) => {
      const r = env.step(actions[e]);
      rewards[e] = r.reward;
      terminated[e] = r.terminated ? 1 : 0;
      truncated[e] = r.truncated ? 1 : 0;
      next.push(copy(r.observation));
      current.push(r.terminated || r.truncated ? copy(env.reset().observation) : next[e]);
    });
    global += n;
    const step: TrainStep = { globalStep: global, numEnvs: n, observations: obs, actions, rewards, terminated, truncated, nextObservations: next, finished: [] };
    const m = agent.observe(step);
    if (m) updates.push(m);
    onStep?.(t, Uint8Array.from(terminated.map((x, i) => x | truncated[i]!)));
    obs = current;
  }
  return updates;
}

function copy(x: unknown): unknown {
  return ArrayBuffer.isView(x) ? (x as Float32Array).slice() : x;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A one-step continuous bandit: reward −(a − 1)², so a Gaussian policy's mean should move to 1. */
class Bandit {
  observationSpace = new Box(-1, 1, [2], 'float32');
  actionSpace = new Box(-2, 2, [1], 'float32');
  metadata = { renderFps: 1 };
  spec = null;
  get unwrapped(): Env {
    return this as unknown as Env;
  }
  reset() {
    return { observation: Float32Array.of(0.5, -0.5), info: {} };
  }
  step(a: Float32Array) {
    return { observation: Float32Array.of(0.5, -0.5), reward: -((a[0]! - 1) ** 2), terminated: true, truncated: false, info: {} };
  }
  render() {
    return null;
  }
  close() {}
}

describe('Gaussian policies', () => {
  for (const algo of ['reinforce', 'a2c'] as const) {
    it(`${algo} moves the mean of a Gaussian policy to the best action of a continuous bandit`, async () => {
      const config = algo === 'a2c' ? { numEnvs: 4, optimizer: { type: 'adam', learningRate: 3e-3 } } : { episodesPerUpdate: 8, optimizer: { type: 'adam', learningRate: 3e-3 } };
      const r = await train({ algo, env: () => new Bandit() as unknown as Env, config, totalSteps: 3000, evalEvery: 3000, evalEpisodes: 1, seed: 0 });
      const mean = (r.agent.explain(Float32Array.of(0.5, -0.5)).action as Float32Array)[0]!;
      expect(Math.abs(mean - 1)).toBeLessThan(0.3);
      r.agent.dispose?.();
    }, 300_000);
  }
});

describe('REINFORCE', () => {
  it('keeps numTensors flat across updates (MLP and GRU policies, with and without baseline)', () => {
    for (const config of [{}, { baseline: false, entropyCoef: 0.01, maxGradNorm: 1 }, { recurrent: { kind: 'gru' as const, units: 16 } }]) {
      const agent = new ReinforceAgent(infoOf('CartPole-v1'), config, 0);
      drive(agent, 'CartPole-v1', 100);
      const before = tf.memory().numTensors;
      const u = drive(agent, 'CartPole-v1', 200, 1);
      expect(u.length).toBeGreaterThan(3);
      expect(tf.memory().numTensors).toBe(before);
      for (const m of u) for (const k of ['policyLoss', 'advVar', 'gradNorm', 'entropy']) expect(Number.isFinite(m[k])).toBe(true);
      agent.dispose();
    }
  });

  it('logs gradient-variance metrics: reward-to-go and the baseline shrink them', () => {
    // ~70 episodes of updates with each variance reduction switched on in turn (no normalization).
    const stats = (config: Record<string, unknown>) => {
      const agent = new ReinforceAgent(infoOf('CartPole-v1'), { normalizeAdvantages: false, ...config }, 0);
      const u = drive(agent, 'CartPole-v1', 1500, 7);
      agent.dispose();
      const later = u.slice(10);
      return { advMeanSq: mean(later.map((m) => m['advMeanSq']!)), gradVar: mean(later.map((m) => m['gradVar']!)) };
    };
    const whole = stats({ rewardToGo: false, baseline: false });
    const toGo = stats({ rewardToGo: true, baseline: false });
    const withBaseline = stats({ rewardToGo: true, baseline: true, valueOptimizer: { type: 'adam', learningRate: 1e-2 } });
    expect(toGo.advMeanSq).toBeLessThan(whole.advMeanSq);
    expect(withBaseline.advMeanSq).toBeLessThan(toGo.advMeanSq);
    expect(toGo.gradVar).toBeLessThan(whole.gradVar);
    expect(withBaseline.gradVar).toBeLessThan(toGo.gradVar);
  });

  it(
    'with a learned baseline solves CartPole-v1 within its preset budget (200k steps)',
    async () => {
      const r = await train({ algo: 'reinforce', env: 'CartPole-v1', preset: 'cartpole', seed: 0, backend: 'wasm' });
      expect(r.steps).toBeLessThanOrEqual(reinforcePresets['cartpole']!.train.totalSteps!);
      expect(r.solvedAtStep).not.toBeNull();
      expect(r.bestMeanReturn!).toBeGreaterThanOrEqual(475);
      r.agent.dispose?.();
    },
    900_000,
  );
});

describe('A2C', () => {
  it('keeps numTensors flat across updates (shared/separate encoders, GAE/n-step, Gaussian, LSTM)', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['CartPole-v1', {}],
      ['CartPole-v1', { sharedEncoder: true, advantage: 'nstep', normalizeAdvantages: true, entropyCoef: 0.01 }],
      ['Pendulum-v1', { ...a2cPresets['pendulum']!.config, numEnvs: 4 }],
      ['CartPole-v1', { sharedEncoder: true, recurrent: { kind: 'lstm', units: 16 }, numEnvs: 4 }],
    ];
    for (const [id, config] of cases) {
      const agent = new A2cAgent(infoOf(id), config, 0);
      drive(agent, id, 40);
      const before = tf.memory().numTensors;
      const u = drive(agent, id, 80, 3);
      expect(u.length).toBe(80 / agent.config.nSteps);
      expect(tf.memory().numTensors).toBe(before);
      for (const m of u) expect(Number.isFinite(m['loss']!)).toBe(true);
      agent.dispose();
    }
  });

  it('a Gaussian policy samples around its mean, clips to the Box and acts with the mean when greedy', () => {
    const agent = new A2cAgent(infoOf('Pendulum-v1'), { ...a2cPresets['pendulum']!.config, initLogStd: 1 }, 0);
    const obs = Float32Array.of(1, 0, 0);
    const explained = agent.explain(obs);
    const greedy = agent.act(obs, { explore: false }) as Float32Array;
    expect(greedy[0]).toBeCloseTo(Math.max(-2, Math.min(2, (explained.action as Float32Array)[0]!)), 5);
    let spread = 0;
    for (let i = 0; i < 200; i++) {
      const a = agent.act(obs) as Float32Array;
      expect(a[0]).toBeGreaterThanOrEqual(-2);
      expect(a[0]).toBeLessThanOrEqual(2);
      spread += Math.abs(a[0]! - greedy[0]!);
    }
    expect(spread / 200).toBeGreaterThan(0.5);
    expect(typeof explained.value).toBe('number');
    agent.dispose();
  });

  it('a recurrent (LSTM) A2C zeroes an env’s state at its episode boundary and keeps the others', () => {
    const agent = new A2cAgent(infoOf('CartPole-v1'), { sharedEncoder: true, recurrent: { kind: 'lstm', units: 8 }, numEnvs: 3, nSteps: 4 }, 0);
    const units = 8;
    let checked = 0;
    const envs = Array.from({ length: 3 }, () => make<Float32Array, number>('CartPole-v1'));
    let obs: unknown[] = envs.map((e, i) => e.reset({ seed: i }).observation.slice());
    let doneBefore = new Uint8Array(3);
    for (let t = 0; t < 120; t++) {
      const hBefore = agent.hiddenState()!;
      agent.trainAct(obs);
      const hAfter = agent.hiddenState()!;
      // The state an env steps from is zero exactly when its episode just started: compare with a
      // fresh one-step core run from zeros on the same observation.
      for (let e = 0; e < 3; e++) {
        if (doneBefore[e]) {
          const fresh = tf.tidy(() => {
            const f = agent.net.trunk.predict(tf.tensor([obs[e] as Float32Array])) as tf.Tensor2D;
            const r = agent.net.core!.step(f, agent.net.core!.initialState(1));
            return r.state.map((s) => Array.from(s.dataSync()));
          });
          for (let k = 0; k < 2; k++) {
            const row = Array.from(hAfter[k]!.subarray(e * units, (e + 1) * units));
            row.forEach((v, i) => expect(v).toBeCloseTo(fresh[k]![i]!, 5));
          }
          checked++;
        }
      }
      expect(hBefore[0]!.length).toBe(3 * units);
      const rewards = new Float64Array(3);
      const terminated = new Uint8Array(3);
      const truncated = new Uint8Array(3);
      const next: unknown[] = [];
      const cur: unknown[] = [];
      const actions = [0, 1, 0].map((_, e) => (t + e) % 2);
      envs.forEach((env, e) => {
        // Force short episodes on env 1 by pushing one way.
        const r = env.step(e === 1 ? 1 : actions[e]!);
        rewards[e] = r.reward;
        terminated[e] = r.terminated ? 1 : 0;
        truncated[e] = r.truncated ? 1 : 0;
        next.push(r.observation.slice());
        cur.push(r.terminated || r.truncated ? env.reset().observation.slice() : next[e]);
      });
      agent.observe({ globalStep: (t + 1) * 3, numEnvs: 3, observations: obs, actions, rewards, terminated, truncated, nextObservations: next, finished: [] });
      doneBefore = Uint8Array.from(terminated.map((x, i) => x | truncated[i]!));
      obs = cur;
    }
    expect(checked).toBeGreaterThan(3);
    agent.dispose();
  });

  it(
    'solves CartPole-v1 within its preset budget (8 envs, 5-step rollouts)',
    async () => {
      const r = await train({ algo: 'a2c', env: 'CartPole-v1', preset: 'cartpole', seed: 0, backend: 'wasm' });
      expect(r.steps).toBeLessThanOrEqual(a2cPresets['cartpole']!.train.totalSteps!);
      expect(r.solvedAtStep).not.toBeNull();
      const check = evaluate(make('CartPole-v1'), r.agent, { episodes: 10, seed: 4242 });
      expect(check.meanReturn).toBeGreaterThanOrEqual(400);
      r.agent.dispose?.();
    },
    900_000,
  );
});
