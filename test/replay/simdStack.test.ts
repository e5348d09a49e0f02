import { describe, expect, test } from 'vitest';
import { ReplayBuffer, type ReplayBatch } from '../../replay/index.js';
import { stackKernelAvailable } from '../../replay/stackKernel.js';
import { sampleAndCheck } from './check.js';
import { EnvModel, expectedStack } from './model.js';

/** Rows of a batch as comparable strings. */
function rows(batch: ReplayBatch, obsSize: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < batch.batchSize; r++) {
    out.push(
      JSON.stringify([
        batch.indices[r],
        Array.from(batch.observations.subarray(r * obsSize, (r + 1) * obsSize)),
        Array.from(batch.nextObservations.subarray(r * obsSize, (r + 1) * obsSize)),
        batch.actions[r],
        batch.rewards[r],
        batch.discounts[r],
        batch.terminated[r],
        batch.truncated[r],
        batch.weights[r],
      ]),
    );
  }
  return out;
}

describe('SIMD stacking of uint8 frames', () => {
  test('the wasm SIMD kernel is available on this Node', () => {
    expect(stackKernelAvailable()).toBe(true);
  });

  // 6×7 frames: 32 pixels go through the kernel, 10 through the tail loop. Chunks of 7 frames, so
  // stacks often span two chunks (scalar path) and a batch of 150 needs several kernel passes.
  const config = {
    capacity: 2 * 40,
    observationShape: [6, 7, 1],
    observationDtype: 'uint8' as const,
    frameStack: 4,
    numEnvs: 2,
    nStep: 2,
    gamma: 0.9,
    seed: 51,
    storageChunkBytes: 42 * 7,
  };

  test('SIMD and scalar paths return the same rows; SIMD samples match the model', () => {
    const simd = new ReplayBuffer({ ...config, simd: true });
    const scalar = new ReplayBuffer({ ...config, simd: false });
    const model = new EnvModel({ numEnvs: 2, frameSize: 42, dtype: 'uint8', pEnd: 0.1, seed: 52 });
    for (let i = 0; i < 130; i++) {
      for (let e = 0; e < 2; e++) {
        const s = model.step(e);
        simd.add(s, e);
        scalar.add(s, e);
      }
    }
    for (let r = 0; r < 4; r++) expect(rows(simd.sample(150), 42 * 4)).toEqual(rows(scalar.sample(150), 42 * 4));
    sampleAndCheck(simd, model, 'uint8');
  });

  test('one big chunk: Atari-size frames, identical batches, rows sorted by slot', () => {
    const simd = new ReplayBuffer({ capacity: 60, observationShape: [84, 84, 1], observationDtype: 'uint8', frameStack: 4, seed: 53 });
    const scalar = new ReplayBuffer({ capacity: 60, observationShape: [84, 84, 1], observationDtype: 'uint8', frameStack: 4, seed: 53, simd: false });
    const model = new EnvModel({ numEnvs: 1, frameSize: 84 * 84, dtype: 'uint8', pEnd: 0.05, seed: 54 });
    for (let i = 0; i < 90; i++) {
      const s = model.step(0);
      simd.add(s);
      scalar.add(s);
    }
    const a = simd.sample(70);
    const b = scalar.sample(70);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.indices)).toEqual(Array.from(a.indices).sort((x, y) => x - y));
    expect(Buffer.from(a.observations.buffer, a.observations.byteOffset, a.observations.byteLength).equals(Buffer.from(b.observations.buffer, b.observations.byteOffset, b.observations.byteLength))).toBe(true);
    expect(Buffer.from(a.nextObservations.buffer, a.nextObservations.byteOffset, a.nextObservations.byteLength).equals(Buffer.from(b.nextObservations.buffer, b.nextObservations.byteOffset, b.nextObservations.byteLength))).toBe(true);
    sampleAndCheck(simd, model, 'uint8', 300);
  });

  test('the SIMD continuity check sees a one-byte difference anywhere in the frame', () => {
    // Byte 5 lies in the kernel's 16-byte blocks, byte 40 in the scalar tail (42-byte frames).
    for (const at of [5, 40, -1]) {
      const buffer = new ReplayBuffer({ ...config, numEnvs: 1, capacity: 40 });
      const frame = (v: number) => new Uint8Array(42).fill(v);
      buffer.add({ observation: frame(1), action: 0, reward: 0, terminated: false, truncated: false, nextObservation: frame(2) });
      const obs = frame(2);
      if (at >= 0) obs[at] = 99;
      buffer.add({ observation: obs, action: 1, reward: 0, terminated: false, truncated: false, nextObservation: frame(3) });
      const batch = buffer.sample(64);
      // A differing frame starts a new episode: the first transition is then cut (truncated) and
      // the second one's stack is its own first frame four times.
      const cut = at >= 0;
      for (let r = 0; r < 64; r++) {
        if (batch.actions[r] === 0) expect(batch.truncated[r]).toBe(cut ? 1 : 0);
        else expect(batch.observations[r * 168]).toBe(cut ? (at === 0 ? 99 : 2) : 1);
      }
      expect(buffer.size).toBe(2);
    }
  });

  test('stacks as input: the kernel picks the newest frame, same samples as from single frames', () => {
    const k = 4;
    const one = { ...config, numEnvs: 1, capacity: 40, storageChunkBytes: undefined };
    const fromFrames = new ReplayBuffer({ ...one, simd: false });
    const fromStacks = new ReplayBuffer(one);
    const model = new EnvModel({ numEnvs: 1, frameSize: 42, dtype: 'uint8', pEnd: 0.15, seed: 55 });
    for (let i = 0; i < 90; i++) {
      const s = model.step(0);
      fromFrames.add(s);
      // What a FrameStack wrapper hands out: the padded stack of the episode so far.
      const ref = [...model.byObsId.values()].at(-1)!;
      const stack = (t: number) => Uint8Array.from(expectedStack(EnvModel.stackIds(ref.episode, t, k), 42, 1, 'uint8'));
      fromStacks.add({ ...s, observation: stack(ref.t), nextObservation: stack(ref.t + 1) });
    }
    expect(rows(fromStacks.sample(100), 168)).toEqual(rows(fromFrames.sample(100), 168));
    expect(fromStacks.size).toBe(fromFrames.size);
    sampleAndCheck(fromStacks, model, 'uint8');
  });
});
