import { describe, expect, it } from 'vitest';
import { CliffWalkingEnv, FrozenLakeEnv, make, type TabularModel } from '../../envs/index.js';
import { QLearningAgent, policyIteration, qLearningPresets, valueIteration } from '../../agents/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Optimal state values of the slippery 4×4 FrozenLake with γ = 0.9, as tabulated in many course
// notes (e.g. the value-iteration exercise of Berkeley CS188-style assignments); rounded to 3 places.
const FROZEN_LAKE_V_GAMMA_09 = [
  0.069, 0.061, 0.074, 0.056, 0.092, 0, 0.112, 0, 0.145, 0.247, 0.3, 0, 0, 0.38, 0.639, 0,
];

describe('value and policy iteration', () => {
  it('value iteration reproduces FrozenLake 4x4 optimal values (γ = 0.9)', () => {
    const env = new FrozenLakeEnv({ mapName: '4x4', isSlippery: true });
    const sol = valueIteration(env as unknown as TabularModel, { gamma: 0.9 });
    expect(sol.converged).toBe(true);
    for (let s = 0; s < 16; s++) expect(sol.values[s]).toBeCloseTo(FROZEN_LAKE_V_GAMMA_09[s]!, 3);
  });

  it('with γ = 1 the start state value is the optimal success probability ≈ 0.8235', () => {
    const env = new FrozenLakeEnv({ mapName: '4x4', isSlippery: true });
    const sol = valueIteration(env as unknown as TabularModel, { gamma: 1, theta: 1e-12 });
    expect(sol.values[0]).toBeCloseTo(0.8235, 3);
  });

  it('policy iteration agrees with value iteration, and its policy wins ~82% of seeded episodes', () => {
    const env = new FrozenLakeEnv({ mapName: '4x4', isSlippery: true });
    const vi = valueIteration(env as unknown as TabularModel, { gamma: 0.99 });
    const pi = policyIteration(env as unknown as TabularModel, { gamma: 0.99 });
    expect(pi.converged).toBe(true);
    for (let s = 0; s < 16; s++) expect(pi.values[s]).toBeCloseTo(vi.values[s]!, 6);
    const e = make<number, number>('FrozenLake-v1', { isSlippery: true }, { maxEpisodeSteps: 1000 });
    let wins = 0;
    const episodes = 2000;
    let obs = e.reset({ seed: 11 }).observation;
    for (let ep = 0; ep < episodes; ep++) {
      for (;;) {
        const r = e.step(pi.policy[obs]!);
        obs = r.observation;
        if (r.terminated || r.truncated) {
          wins += r.reward;
          obs = e.reset().observation;
          break;
        }
      }
    }
    expect(wins / episodes).toBeGreaterThan(0.78);
    expect(wins / episodes).toBeLessThan(0.87);
  });

  it('8x8 map: value iteration converges and the start value matches policy evaluation', () => {
    const env = new FrozenLakeEnv({ mapName: '8x8', isSlippery: true });
    const vi = valueIteration(env as unknown as TabularModel, { gamma: 0.99 });
    const pi = policyIteration(env as unknown as TabularModel, { gamma: 0.99 });
    expect(vi.values[0]).toBeGreaterThan(0.3);
    expect(pi.values[0]).toBeCloseTo(vi.values[0]!, 5);
  });

  it('rejects a non-model and a bad gamma', () => {
    expect(() => valueIteration({} as TabularModel)).toThrow(/tabular model/);
    const env = new FrozenLakeEnv({});
    expect(() => valueIteration(env as unknown as TabularModel, { gamma: 1.5 })).toThrow(/gamma/);
  });
});

describe('Q-learning', () => {
  it("finds CliffWalking's optimal path (13 steps, return −13)", () => {
    const env = make<number, number>('CliffWalking-v0', {}, { maxEpisodeSteps: 500 });
    const agent = QLearningAgent.forEnv(env, { ...qLearningPresets.cliffWalking, seed: 3 });
    agent.learn(env, 30_000, 3);
    let { observation: s } = env.reset({ seed: 0 });
    let ret = 0;
    let steps = 0;
    for (; steps < 100; steps++) {
      const r = env.step(agent.act(s, { explore: false }));
      ret += r.reward;
      s = r.observation;
      if (r.terminated || r.truncated) break;
    }
    expect(steps + 1).toBe(13);
    expect(ret).toBe(-13);
    // The greedy path agrees with value iteration's optimal policy on the cliff row's neighbours.
    const vi = valueIteration(new CliffWalkingEnv({}) as unknown as TabularModel, { gamma: 1 });
    expect(vi.values[36]).toBeCloseTo(-13, 6);
  });

  it('saves and loads its table; a corrupt file is rejected and leaves the agent unchanged', async () => {
    const agent = new QLearningAgent(4, 2, { seed: 1 });
    agent.update(0, 1, 1, 1, false);
    const dir = mkdtempSync(join(tmpdir(), 'pg-q-'));
    await agent.save(dir);
    const other = new QLearningAgent(4, 2);
    await other.load(dir);
    expect(Array.from(other.q)).toEqual(Array.from(agent.q));
    const wrong = new QLearningAgent(5, 2);
    const before = Array.from(wrong.q);
    await expect(wrong.load(dir)).rejects.toThrow(/5×2/);
    expect(Array.from(wrong.q)).toEqual(before);
    expect(() => agent.update(0, 2, 0, 0, false)).toThrow(RangeError);
    expect(() => agent.act(9)).toThrow(RangeError);
  });
});
