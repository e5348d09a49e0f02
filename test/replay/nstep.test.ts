import { describe, expect, test } from 'vitest';
import { ReplayBuffer } from '../../replay/index.js';
import { sampleAndCheck } from './check.js';
import { EnvModel } from './model.js';

describe('n-step returns from the replay buffer', () => {
  test('hand-computed windows: termination does not bootstrap, truncation does, windows stop at the episode end', () => {
    const gamma = 0.5;
    const rewards = [1, 2, 4, 8];
    for (const end of ['terminated', 'truncated'] as const) {
      const buffer = new ReplayBuffer({ capacity: 30, observationShape: [], nStep: 3, gamma, seed: 1 });
      for (let t = 0; t < 4; t++) {
        const last = t === 3;
        buffer.add({
          observation: t,
          action: t,
          reward: rewards[t]!,
          terminated: last && end === 'terminated',
          truncated: last && end === 'truncated',
          nextObservation: t + 1,
        });
      }
      // t: [reward sum, γ^m, bootstrap observation]
      const expected: Record<number, [number, number, number]> = {
        0: [1 + 0.5 * 2 + 0.25 * 4, 0.125, 3],
        1: [2 + 0.5 * 4 + 0.25 * 8, 0.125, 4],
        2: [4 + 0.5 * 8, 0.25, 4],
        3: [8, 0.5, 4],
      };
      const batch = buffer.sample(200);
      const seen = new Set<number>();
      for (let b = 0; b < 200; b++) {
        const t = batch.observations[b]!;
        seen.add(t);
        const [ret, discount, next] = expected[t]!;
        expect(batch.actions[b]).toBe(t);
        expect(batch.rewards[b]).toBeCloseTo(ret, 6);
        expect(batch.discounts[b]).toBeCloseTo(discount, 7);
        expect(batch.nextObservations[b]).toBe(next);
        // Only windows reaching the last step carry its end flag.
        const reachesEnd = t >= 1;
        expect(batch.terminated[b]).toBe(reachesEnd && end === 'terminated' ? 1 : 0);
        expect(batch.truncated[b]).toBe(reachesEnd && end === 'truncated' ? 1 : 0);
      }
      expect(seen).toEqual(new Set([0, 1, 2, 3]));
    }
  });

  test('random episodes in 2 envs with wraparound and stacks: every window matches the model', () => {
    const buffer = new ReplayBuffer({ capacity: 2 * 24, observationShape: [2, 2, 1], observationDtype: 'uint8', frameStack: 4, numEnvs: 2, nStep: 3, gamma: 0.9, seed: 2 });
    const model = new EnvModel({ numEnvs: 2, frameSize: 4, dtype: 'uint8', pEnd: 0.25, seed: 3 });
    for (let step = 1; step <= 120; step++) {
      for (let e = 0; e < 2; e++) buffer.add(model.step(e), e);
      if (step === 5 || step === 23 || step === 120) sampleAndCheck(buffer, model, 'uint8');
    }
  });

  test('n-step with plain float observations and a long window', () => {
    const buffer = new ReplayBuffer({ capacity: 40, observationShape: [3], nStep: 5, gamma: 0.8, seed: 4 });
    const model = new EnvModel({ numEnvs: 1, frameSize: 3, dtype: 'float32', pEnd: 0.12, seed: 5 });
    for (let i = 0; i < 150; i++) buffer.add(model.step(0));
    sampleAndCheck(buffer, model, 'float32');
  });
});
