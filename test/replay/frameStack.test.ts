import { describe, expect, test } from 'vitest';
import { ReplayBuffer, type TransitionBatch } from '../../replay/index.js';
import { sampleAndCheck } from './check.js';
import { EnvModel, expectedStack, makeFrame, stackedIndex } from './model.js';

describe('frame-stacked storage', () => {
  test('uint8 stacks of 4 stay correct at episode starts and across wraparound (single env)', () => {
    const buffer = new ReplayBuffer({ capacity: 40, observationShape: [3, 4, 1], observationDtype: 'uint8', frameStack: 4, seed: 1 });
    const model = new EnvModel({ numEnvs: 1, frameSize: 12, dtype: 'uint8', pEnd: 0.15, seed: 2 });
    const checkpoints = new Set([8, 38, 39, 40, 41, 120, 301]);
    for (let step = 1; step <= 301; step++) {
      const s = model.step(0);
      buffer.add(s);
      if (checkpoints.has(step)) sampleAndCheck(buffer, model, 'uint8');
    }
    // Wrapped many times: the oldest frames are gone and the count stays saturated.
    expect(model.writeLog[0]!.length).toBeGreaterThan(7 * 40);
    expect(buffer.size).toBeLessThan(40);
  });

  test('several envs interleaved through addBatch keep per-env stacks and next observations (float32, 2 channels, stack 3)', () => {
    const numEnvs = 3;
    const buffer = new ReplayBuffer({ capacity: 3 * 25, observationShape: [2, 2, 2], frameStack: 3, numEnvs, seed: 3 });
    const model = new EnvModel({ numEnvs, frameSize: 8, dtype: 'float32', pEnd: 0.2, seed: 4 });
    for (let step = 1; step <= 150; step++) {
      const steps = Array.from({ length: numEnvs }, (_, e) => model.step(e));
      // Flat [n, ...] arrays on even steps, per-env rows on odd ones.
      const flat = step % 2 === 0;
      const obs = flat ? concat(steps.map((s) => s.observation)) : steps.map((s) => s.observation);
      const next = flat ? concat(steps.map((s) => s.nextObservation)) : steps.map((s) => s.nextObservation);
      const batch: TransitionBatch = {
        observations: obs,
        nextObservations: next,
        actions: steps.map((s) => s.action),
        rewards: steps.map((s) => s.reward),
        terminated: steps.map((s) => s.terminated),
        truncated: steps.map((s) => s.truncated),
      };
      buffer.addBatch(batch);
      if (step === 6 || step === 26 || step === 150) sampleAndCheck(buffer, model, 'float32');
    }
  });

  test('envs stepping at different rates (mask) each keep their own stream', () => {
    const numEnvs = 2;
    const buffer = new ReplayBuffer({ capacity: 2 * 30, observationShape: [2, 3, 1], observationDtype: 'uint8', frameStack: 4, numEnvs, seed: 5 });
    const model = new EnvModel({ numEnvs, frameSize: 6, dtype: 'uint8', pEnd: 0.1, seed: 6 });
    for (let step = 0; step < 200; step++) {
      const stepEnv1 = step % 3 === 0; // env 1 steps a third as often
      const s0 = model.step(0);
      const s1 = stepEnv1 ? model.step(1) : s0; // masked-out rows may hold anything
      buffer.addBatch({
        observations: [s0.observation, s1.observation],
        nextObservations: [s0.nextObservation, s1.nextObservation],
        actions: [s0.action, s1.action],
        rewards: [s0.reward, s1.reward],
        terminated: [s0.terminated, s1.terminated],
        truncated: [s0.truncated, s1.truncated],
        mask: [true, stepEnv1],
      });
    }
    sampleAndCheck(buffer, model, 'uint8');
  });

  test('whole stacks as input give the same samples as single frames', () => {
    const k = 4;
    const fromFrames = new ReplayBuffer({ capacity: 30, observationShape: [2, 2, 1], observationDtype: 'uint8', frameStack: k, seed: 7 });
    const fromStacks = new ReplayBuffer({ capacity: 30, observationShape: [2, 2, 1], observationDtype: 'uint8', frameStack: k, seed: 7 });
    const model = new EnvModel({ numEnvs: 1, frameSize: 4, dtype: 'uint8', pEnd: 0.2, seed: 8 });
    for (let i = 0; i < 80; i++) {
      const s = model.step(0);
      fromFrames.add(s);
      // What a FrameStack wrapper hands out: the padded stack of the episode so far.
      const ref = [...model.byObsId.values()].at(-1)!;
      const stack = (t: number) => Uint8Array.from(expectedStack(EnvModel.stackIds(ref.episode, t, k), 4, 1, 'uint8'));
      fromStacks.add({ ...s, observation: stack(ref.t), nextObservation: stack(ref.t + 1) });
    }
    const a = fromFrames.sample(64);
    const b = fromStacks.sample(64);
    expect(Array.from(b.observations)).toEqual(Array.from(a.observations));
    expect(Array.from(b.nextObservations)).toEqual(Array.from(a.nextObservations));
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
  });

  test('a stack at an episode start is padded with that episode\'s first frame, never the previous episode', () => {
    const k = 3;
    const size = 2;
    const buffer = new ReplayBuffer({ capacity: 20, observationShape: [size], frameStack: k, seed: 9 });
    const f = (id: number) => makeFrame(id, size, 'float32');
    buffer.add({ observation: f(1), action: 0, reward: 0, terminated: false, truncated: false, nextObservation: f(2) });
    buffer.add({ observation: f(2), action: 1, reward: 0, terminated: true, truncated: false, nextObservation: f(3) });
    buffer.add({ observation: f(4), action: 2, reward: 0, terminated: false, truncated: false, nextObservation: f(5) });
    buffer.add({ observation: f(5), action: 3, reward: 0, terminated: false, truncated: true, nextObservation: f(6) });
    const byAction = new Map<number, { obs: number[]; next: number[] }>();
    const batch = buffer.sample(200);
    for (let b = 0; b < 200; b++) {
      byAction.set(batch.actions[b]!, {
        obs: Array.from(batch.observations.subarray(b * size * k, (b + 1) * size * k)),
        next: Array.from(batch.nextObservations.subarray(b * size * k, (b + 1) * size * k)),
      });
    }
    const stack = (ids: number[]) => expectedStack(ids, size, size, 'float32');
    expect(byAction.get(0)).toEqual({ obs: stack([1, 1, 1]), next: stack([1, 1, 2]) });
    expect(byAction.get(1)).toEqual({ obs: stack([1, 1, 2]), next: stack([1, 2, 3]) });
    expect(byAction.get(2)).toEqual({ obs: stack([4, 4, 4]), next: stack([4, 4, 5]) });
    expect(byAction.get(3)).toEqual({ obs: stack([4, 4, 5]), next: stack([4, 5, 6]) });
    // stackedIndex sanity: with size-2 frames of 2 channels, frame j's channels sit side by side.
    expect(stackedIndex(1, 2, 2, 3)).toBe(5);
  });

  test('a stream that restarts without a done flag closes the cut episode as truncated', () => {
    const buffer = new ReplayBuffer({ capacity: 20, observationShape: [2], frameStack: 2, seed: 10 });
    const f = (id: number) => makeFrame(id, 2, 'float32');
    buffer.add({ observation: f(1), action: 0, reward: 1, terminated: false, truncated: false, nextObservation: f(2) });
    // The next observation is not f(2): a new episode began without the last step saying so.
    buffer.add({ observation: f(7), action: 1, reward: 1, terminated: false, truncated: false, nextObservation: f(8) });
    const batch = buffer.sample(40);
    for (let b = 0; b < 40; b++) {
      const obs = Array.from(batch.observations.subarray(b * 4, b * 4 + 4));
      if (batch.actions[b] === 0) {
        expect(batch.truncated[b]).toBe(1);
        expect(obs).toEqual(expectedStack([1, 1], 2, 2, 'float32'));
      } else {
        expect(batch.truncated[b]).toBe(0);
        expect(obs).toEqual(expectedStack([7, 7], 2, 2, 'float32'));
      }
    }
    expect(new Set(batch.actions)).toEqual(new Set([0, 1]));
  });
});

function concat(rows: (Uint8Array | Float32Array)[]): Float32Array {
  const out = new Float32Array(rows.reduce((s, r) => s + r.length, 0));
  let o = 0;
  for (const r of rows) {
    out.set(r, o);
    o += r.length;
  }
  return out;
}
