import { describe, expect, test } from 'vitest';
import '../../envs/classic/register.js';
import { makeVec, type VecStepResult } from '../../envs/vector/index.js';
import { ReplayBuffer, VectorTransitions, type TransitionBatch } from '../../replay/index.js';

/** A hand-made vector step of 2 envs with 1-value observations. */
function vecStep(obs: number[], rewards: number[], term: number[], trunc: number[], final?: (number | null)[]): VecStepResult {
  return {
    observations: Float32Array.from(obs),
    rewards: Float64Array.from(rewards),
    terminations: Uint8Array.from(term),
    truncations: Uint8Array.from(trunc),
    infos: final ? { finalObservation: final.map((f) => (f === null ? null : Float32Array.from([f]))), _finalObservation: Uint8Array.from(final.map((f) => (f === null ? 0 : 1))) } : {},
  };
}

/** The unmasked transitions of a batch as [env, obs, next, action, reward, terminated, truncated]. */
function unpack(batch: TransitionBatch, size: number): number[][] {
  const out: number[][] = [];
  const rows = batch.observations as ArrayLike<number>[];
  const next = batch.nextObservations as ArrayLike<number>[];
  for (let e = 0; e < rows.length; e++) {
    if (batch.mask && !batch.mask[e]) continue;
    out.push([e, ...Array.from(rows[e]!).slice(0, size), ...Array.from(next[e]!).slice(0, size), (batch.actions as ArrayLike<number>)[e]!, batch.rewards[e]!, Number(batch.terminated[e]), Number(batch.truncated[e])]);
  }
  return out;
}

describe('VectorTransitions', () => {
  test('same-step autoreset: a finished env\'s next observation is its final observation', () => {
    const vt = new VectorTransitions({ numEnvs: 2, observationSize: 1, autoresetMode: 'same-step' });
    vt.reset([10, 20]);
    expect(unpack(vt.transitions([0, 1], vecStep([11, 21], [1, 1], [0, 0], [0, 0])), 1)).toEqual([
      [0, 10, 11, 0, 1, 0, 0],
      [1, 20, 21, 1, 1, 0, 0],
    ]);
    // Env 1 terminates: it already shows its reset observation 30; the final one was 22.
    expect(unpack(vt.transitions([1, 0], vecStep([12, 30], [1, 5], [0, 1], [0, 0], [null, 22])), 1)).toEqual([
      [0, 11, 12, 1, 1, 0, 0],
      [1, 21, 22, 0, 5, 1, 0],
    ]);
    expect(unpack(vt.transitions([0, 0], vecStep([13, 31], [1, 1], [0, 0], [0, 0])), 1)).toEqual([
      [0, 12, 13, 0, 1, 0, 0],
      [1, 30, 31, 0, 1, 0, 0],
    ]);
    expect(() => vt.transitions([0, 0], vecStep([14, 32], [1, 1], [0, 1], [0, 0]))).toThrow(/finalObservation\[1\] is missing/);
  });

  test('next-step autoreset: the reset step after an episode end is masked out', () => {
    const vt = new VectorTransitions({ numEnvs: 2, observationSize: 1, autoresetMode: 'next-step' });
    vt.reset([10, 20]);
    // Env 0 is truncated: this step returns its final observation 11.
    expect(unpack(vt.transitions([1, 1], vecStep([11, 21], [1, 2], [0, 0], [1, 0])), 1)).toEqual([
      [0, 10, 11, 1, 1, 0, 1],
      [1, 20, 21, 1, 2, 0, 0],
    ]);
    // Env 0 resets (reward 0, action ignored): no transition for it.
    expect(unpack(vt.transitions([0, 0], vecStep([40, 22], [0, 2], [0, 0], [0, 0])), 1)).toEqual([[1, 21, 22, 0, 2, 0, 0]]);
    expect(unpack(vt.transitions([1, 0], vecStep([41, 23], [1, 2], [0, 0], [0, 0])), 1)).toEqual([
      [0, 40, 41, 1, 1, 0, 0],
      [1, 22, 23, 0, 2, 0, 0],
    ]);
  });

  test('both modes store the same CartPole transitions into a replay buffer', async () => {
    const perEnv = async (mode: 'same-step' | 'next-step'): Promise<string[][]> => {
      const vec = await makeVec('CartPole-v1', 3, { autoresetMode: mode, seed: 7 });
      const vt = new VectorTransitions({ numEnvs: 3, observationSize: 4, autoresetMode: mode });
      const buffer = new ReplayBuffer({ capacity: 3 * 400, observationShape: [4], numEnvs: 3, seed: 1 });
      const reset = await vec.reset({ seed: 7 });
      vt.reset(reset.observations);
      let obs = reset.observations;
      const streams: string[][] = [[], [], []];
      for (let t = 0; t < 250; t++) {
        // A deterministic (and poor: it pushes along the cart's velocity) policy keeps both runs on
        // the same trajectories, with short episodes.
        const actions = Array.from({ length: 3 }, (_, e) => (obs[e * 4 + 1]! > 0 ? 1 : 0));
        const result = await vec.step(actions);
        const batch = vt.transitions(actions, result);
        buffer.addBatch(batch);
        for (const tr of unpack(batch, 4)) streams[tr[0]!]!.push(JSON.stringify(tr.slice(1)));
        obs = result.observations;
      }
      vec.close();
      // Every stored transition is one of the stream's.
      const all = new Set(streams.flat());
      const sample = buffer.sample(200);
      for (let b = 0; b < 200; b++) {
        const row = [
          ...Array.from(sample.observations.subarray(4 * b, 4 * b + 4)),
          ...Array.from(sample.nextObservations.subarray(4 * b, 4 * b + 4)),
          sample.actions[b]!,
          sample.rewards[b]!,
          sample.terminated[b]!,
          sample.truncated[b]!,
        ];
        expect(all.has(JSON.stringify(row))).toBe(true);
      }
      return streams;
    };
    const same = await perEnv('same-step');
    const next = await perEnv('next-step');
    // next-step spends a step on each reset, so it has fewer transitions: compare the common prefix.
    for (let e = 0; e < 3; e++) {
      const n = Math.min(same[e]!.length, next[e]!.length);
      expect(n).toBeGreaterThan(200);
      expect(next[e]!.slice(0, n)).toEqual(same[e]!.slice(0, n));
      expect(same[e]!.some((s) => JSON.parse(s)[10] === 1)).toBe(true); // episodes did end
    }
  });
});
