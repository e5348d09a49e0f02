import { describe, expect, test } from 'vitest';
import { ReplayBuffer, type Transition } from '../../replay/index.js';
import { sampleAndCheck } from './check.js';
import { EnvModel, makeFrame } from './model.js';

const step = (obs: number, next: number, extra: Partial<Transition> = {}): Transition => ({
  observation: makeFrame(obs, 3, 'float32'),
  action: 0,
  reward: 0,
  terminated: false,
  truncated: false,
  nextObservation: makeFrame(next, 3, 'float32'),
  ...extra,
});

/** Obs ids of a batch of float32 frames of 3 values (id * 1000 + i). */
const idsOf = (obs: Float32Array | Uint8Array, size = 3): number[] =>
  Array.from({ length: obs.length / size }, (_, b) => Math.round(obs[b * size]! / 1000));

describe('ReplayBuffer', () => {
  test('wraparound: the oldest transitions are overwritten and the count saturates', () => {
    const capacity = 10;
    const buffer = new ReplayBuffer({ capacity, observationShape: [3], seed: 1 });
    const model = new EnvModel({ numEnvs: 1, frameSize: 3, dtype: 'float32', pEnd: 0, seed: 1 });
    const sizes: number[] = [];
    for (let i = 0; i < 25; i++) {
      buffer.add(model.step(0));
      sizes.push(buffer.size);
    }
    // One long episode: every frame but the newest belongs to a stored transition.
    expect(sizes).toEqual(Array.from({ length: 25 }, (_, i) => Math.min(i + 1, capacity - 1)));
    const seen = new Set(idsOf(buffer.sample(500).observations));
    const newest = model.writeLog[0]!.slice(-capacity, -1); // the 9 newest transitions' observations
    expect([...seen].sort((a, b) => a - b)).toEqual(newest);
    sampleAndCheck(buffer, model, 'float32');
  });

  test('with episode ends, the model and the buffer agree on contents and count', () => {
    const buffer = new ReplayBuffer({ capacity: 17, observationShape: [3], seed: 2 });
    const model = new EnvModel({ numEnvs: 1, frameSize: 3, dtype: 'float32', pEnd: 0.3, seed: 3 });
    for (let i = 0; i < 60; i++) buffer.add(model.step(0));
    sampleAndCheck(buffer, model, 'float32');
  });

  test('same seed, same samples; another seed, other samples', () => {
    const fill = (seed: number) => {
      const b = new ReplayBuffer({ capacity: 50, observationShape: [3], seed });
      for (let i = 0; i < 40; i++) b.add(step(i, i + 1, { action: i % 4, reward: i }));
      return b;
    };
    const a = fill(5);
    const b = fill(5);
    const c = fill(6);
    for (let r = 0; r < 3; r++) {
      const sa = Array.from(a.sample(32).indices);
      expect(Array.from(b.sample(32).indices)).toEqual(sa);
      expect(Array.from(c.sample(32).indices)).not.toEqual(sa);
    }
  });

  test('sample writes into the given batch, or into one reused batch', () => {
    const buffer = new ReplayBuffer({ capacity: 20, observationShape: [3], seed: 3 });
    for (let i = 0; i < 10; i++) buffer.add(step(i, i + 1, { reward: i }));
    const out = buffer.createBatch(8);
    expect(buffer.sample(8, out)).toBe(out);
    const own = buffer.sample(8);
    expect(buffer.sample(8)).toBe(own);
    expect(own).not.toBe(out);
    expect(() => buffer.sample(4, out)).toThrow(/batch size 8/);
    // Rewards follow the sampled observations.
    const batch = buffer.sample(8, out);
    expect(Array.from(batch.rewards)).toEqual(idsOf(batch.observations));
    expect(Array.from(batch.weights)).toEqual(new Array(8).fill(1));
  });

  test('continuous actions and scalar observations', () => {
    const buffer = new ReplayBuffer({ capacity: 30, observationShape: [], action: { kind: 'continuous', dim: 2 }, seed: 4 });
    for (let i = 0; i < 20; i++) buffer.add({ observation: i, action: [i / 2, -i], reward: 1, terminated: false, truncated: false, nextObservation: i + 1 });
    const batch = buffer.sample(16);
    for (let b = 0; b < 16; b++) {
      const o = batch.observations[b]!;
      expect(batch.nextObservations[b]).toBe(o + 1);
      expect(Array.from(batch.actions.subarray(2 * b, 2 * b + 2))).toEqual([o / 2, -o]);
    }
  });

  test('bad input throws a clear error and changes nothing', () => {
    const make = () => new ReplayBuffer({ capacity: 20, observationShape: [3], numEnvs: 2, seed: 7 });
    const buffer = make();
    const twin = make();
    const good = step(1, 2, { action: 1, reward: 1 });
    buffer.add(good);
    twin.add(good);
    expect(() => buffer.add({ ...good, observation: [1, 2] })).toThrow(/observation: expected 3 values/);
    expect(() => buffer.add({ ...good, nextObservation: new Float32Array(4) })).toThrow(/nextObservation/);
    expect(() => buffer.add({ ...good, reward: NaN })).toThrow(/reward must be a finite number/);
    expect(() => buffer.add({ ...good, action: 1.5 })).toThrow(/int32 integer/);
    expect(() => buffer.add(good, 2)).toThrow(/env index 2/);
    expect(() =>
      buffer.addBatch({
        observations: [makeFrame(2, 3, 'float32'), makeFrame(9, 3, 'float32')],
        nextObservations: [makeFrame(3, 3, 'float32'), makeFrame(10, 3, 'float32')],
        actions: [0, 0],
        rewards: [0, Infinity], // env 1 is bad: env 0 must not be written either
        terminated: [false, false],
        truncated: [false, false],
      }),
    ).toThrow(/rewards\[1\]/);
    expect(() => buffer.addBatch({ observations: new Float32Array(5), nextObservations: new Float32Array(6), actions: [0, 0], rewards: [0, 0], terminated: [0, 0], truncated: [0, 0] })).toThrow(
      /observations: expected 6 values/,
    );
    expect(buffer.size).toBe(twin.size);
    expect(Array.from(buffer.sample(16).observations)).toEqual(Array.from(twin.sample(16).observations));
  });

  test('bad configurations are rejected', () => {
    expect(() => new ReplayBuffer({ capacity: 0, observationShape: [3] })).toThrow(/capacity/);
    expect(() => new ReplayBuffer({ capacity: 5, observationShape: [84, 84, 1], frameStack: 4 })).toThrow(/frameStack \+ nStep \+ 1/);
    expect(() => new ReplayBuffer({ capacity: 100, observationShape: [], frameStack: 2 })).toThrow(/last axis/);
    expect(() => new ReplayBuffer({ capacity: 100, observationShape: [2, 0] })).toThrow(/bad shape/);
    expect(() => new ReplayBuffer({ capacity: 100, observationShape: [2], gamma: 1.5 })).toThrow(/gamma/);
    expect(() => new ReplayBuffer({ capacity: 100, observationShape: [2], action: { kind: 'continuous', dim: 0 } })).toThrow(/action spec/);
    expect(() => new ReplayBuffer({ capacity: 100, observationShape: [2], observationDtype: 'int8' as 'uint8' })).toThrow(/observationDtype/);
  });

  test('never samples the newest transition before its n-step window is complete', () => {
    const buffer = new ReplayBuffer({ capacity: 20, observationShape: [3], nStep: 3, seed: 8 });
    expect(buffer.canSample()).toBe(false);
    expect(() => buffer.sample(4)).toThrow(/no sampleable transition/);
    buffer.add(step(1, 2));
    buffer.add(step(2, 3));
    expect(buffer.canSample()).toBe(false);
    expect(() => buffer.sample(4)).toThrow(/no sampleable transition/);
    buffer.add(step(3, 4));
    // Only the first transition has its three steps now.
    expect(new Set(idsOf(buffer.sample(64).observations))).toEqual(new Set([1]));
    buffer.add(step(4, 5, { terminated: true }));
    // The episode ended: every window is complete (cut by the end).
    expect(new Set(idsOf(buffer.sample(256).observations))).toEqual(new Set([1, 2, 3, 4]));
    buffer.add(step(9, 10));
    expect(new Set(idsOf(buffer.sample(256).observations))).toEqual(new Set([1, 2, 3, 4]));
  });

  test('clear empties the buffer', () => {
    const buffer = new ReplayBuffer({ capacity: 20, observationShape: [3], seed: 9 });
    for (let i = 0; i < 5; i++) buffer.add(step(i, i + 1));
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(buffer.canSample()).toBe(false);
    buffer.add(step(7, 8));
    expect(idsOf(buffer.sample(3).observations)).toEqual([7, 7, 7]);
  });
});
