import { describe, expect, test } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { RolloutBuffer } from '../../replay/index.js';

/** A [T=6, n=2] rollout with known contents: obs of (t, e) is [t, e, t*10+e]. */
function filledRollout(): RolloutBuffer {
  const buffer = new RolloutBuffer({ numSteps: 6, numEnvs: 2, observationShape: [3] });
  for (let t = 0; t < 6; t++) {
    buffer.addBatch({
      observations: [
        [t, 0, t * 10],
        [t, 1, t * 10 + 1],
      ],
      actions: [t % 2, (t + 1) % 3],
      rewards: [t, -t],
      terminated: [t === 2, false],
      truncated: [false, t === 3],
      values: [t / 10, -t / 10],
      logProbs: [-t, -t - 0.5],
      truncationValues: [NaN, t === 3 ? 5 : NaN],
    });
  }
  return buffer;
}

describe('RolloutBuffer', () => {
  test('stores steps in [T, n] layout', () => {
    const b = filledRollout();
    expect(b.full).toBe(true);
    expect(b.size).toBe(12);
    for (let t = 0; t < 6; t++) {
      for (let e = 0; e < 2; e++) {
        const i = t * 2 + e;
        expect(Array.from(b.observations.subarray(i * 3, i * 3 + 3))).toEqual([t, e, t * 10 + e]);
        expect(b.rewards[i]).toBe(e === 0 ? t : -t);
        expect(b.terminated[i]).toBe(e === 0 && t === 2 ? 1 : 0);
        expect(b.truncated[i]).toBe(e === 1 && t === 3 ? 1 : 0);
      }
    }
    expect(() => b.addBatch({ observations: new Float32Array(6), actions: [0, 0], rewards: [0, 0], terminated: [0, 0], truncated: [0, 0] })).toThrow(/full/);
  });

  test('GAE and discounted returns follow termination and truncation per env', () => {
    const b = filledRollout();
    const gamma = 0.9;
    const lam = 0.95;
    const last = [1, 2];
    b.computeGae({ gamma, lambda: lam, lastValues: last });
    // Env 1 by hand (values -t/10, rewards -t, truncated at t=3 with final value 5).
    const V = (t: number) => -t / 10;
    const d = [0, 1, 2, 3, 4, 5].map((t) => -t + gamma * (t === 3 ? 5 : t === 5 ? last[1]! : V(t + 1)) - V(t));
    const a5 = d[5]!;
    const a4 = d[4]! + gamma * lam * a5;
    const a3 = d[3]!;
    const a2 = d[2]! + gamma * lam * a3;
    const a1 = d[1]! + gamma * lam * a2;
    const a0 = d[0]! + gamma * lam * a1;
    [a0, a1, a2, a3, a4, a5].forEach((a, t) => {
      expect(b.advantages[t * 2 + 1]).toBeCloseTo(a, 5);
      expect(b.returns[t * 2 + 1]).toBeCloseTo(a + V(t), 5);
    });
    b.computeDiscountedReturns({ gamma, lastValues: last });
    // Env 0: terminated at t=2, then runs to the end and bootstraps from 1.
    const g0 = [0 + gamma * (1 + gamma * 2), 1 + gamma * 2, 2, 3 + gamma * (4 + gamma * (5 + gamma * 1)), 4 + gamma * (5 + gamma * 1), 5 + gamma * 1];
    g0.forEach((g, t) => {
      expect(b.returns[t * 2]).toBeCloseTo(g, 5);
      expect(b.advantages[t * 2]).toBeCloseTo(g - t / 10, 5);
    });
  });

  test('minibatches cover every sample once, rows intact, reproducible with the same seed', () => {
    const b = filledRollout();
    b.computeNStepReturns({ gamma: 0.9, nStep: 2, lastValues: [0, 0] });
    const seenA: number[] = [];
    const sizes: number[] = [];
    for (const mb of b.minibatches(5, new Rng(3))) {
      sizes.push(mb.size);
      for (let k = 0; k < mb.size; k++) {
        const i = mb.indices[k]!;
        seenA.push(i);
        const t = Math.floor(i / 2);
        const e = i % 2;
        expect(Array.from(mb.observations.subarray(k * 3, k * 3 + 3))).toEqual([t, e, t * 10 + e]);
        expect(mb.actions[k]).toBe(b.actions[i]);
        expect(mb.logProbs[k]).toBe(b.logProbs[i]);
        expect(mb.returns[k]).toBe(b.returns[i]);
        expect(mb.advantages[k]).toBe(b.advantages[i]);
      }
    }
    expect(sizes).toEqual([5, 5, 2]);
    expect([...seenA].sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
    const seenB = [...b.minibatches(5, new Rng(3))].length;
    expect(seenB).toBe(3);
    const order = (seed: number) => {
      const out: number[] = [];
      for (const mb of b.minibatches(4, new Rng(seed))) out.push(...mb.indices);
      return out;
    };
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
    expect([...b.minibatches(5, new Rng(1), { dropLast: true })].length).toBe(2);
  });

  test('per-minibatch advantage normalization', () => {
    const b = filledRollout();
    b.computeGae({ gamma: 0.99, lambda: 0.95, lastValues: [0, 0] });
    for (const mb of b.minibatches(6, new Rng(2), { normalizeAdvantages: true })) {
      const a = Array.from(mb.advantages);
      const mean = a.reduce((x, y) => x + y, 0) / a.length;
      const std = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / (a.length - 1));
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 4);
    }
  });

  test('whole episodes: add until done, then reward-to-go over the steps added', () => {
    const b = new RolloutBuffer({ numSteps: 100, observationShape: [2, 2], observationDtype: 'uint8' });
    const rewards = [1, 0, 2, 5];
    rewards.forEach((r, t) => b.add({ observation: [t, t, t, t], action: t, reward: r, terminated: t === 3, truncated: false }));
    expect(b.stepCount).toBe(4);
    b.computeRewardToGo();
    expect(Array.from(b.returns.subarray(0, 4))).toEqual([8, 7, 7, 5]);
    b.normalizeAdvantages();
    const a = Array.from(b.advantages.subarray(0, 4));
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(0, 5);
    b.reset();
    expect(b.stepCount).toBe(0);
  });

  test('bad steps throw and change nothing', () => {
    const b = new RolloutBuffer({ numSteps: 4, numEnvs: 2, observationShape: [1], action: { kind: 'continuous', dim: 2 } });
    const good = { observations: [0, 1], actions: [0, 0, 1, 1], rewards: [0, 0], terminated: [0, 0], truncated: [0, 0] };
    b.addBatch(good);
    expect(() => b.addBatch({ ...good, actions: [0, 0, 1] })).toThrow(/actions: expected 4/);
    expect(() => b.addBatch({ ...good, rewards: [0, NaN] })).toThrow(/rewards\[1\]/);
    expect(() => b.addBatch({ ...good, values: [0, Infinity] })).toThrow(/values\[1\]/);
    expect(() => b.add({ observation: [0], action: [0, 0], reward: 0, terminated: false, truncated: false })).toThrow(/addBatch/);
    expect(b.stepCount).toBe(1);
    expect(() => new RolloutBuffer({ numSteps: 0, observationShape: [1] })).toThrow(/numSteps/);
  });
});
