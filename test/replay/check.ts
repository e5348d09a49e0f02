// Checks a sampled batch against the reference model, element by element.
import { expect } from 'vitest';
import type { ReplayBatch } from '../../replay/index.js';
import { EnvModel, expectedStack, newestFrameId, type Dtype } from './model.js';

export interface Layout {
  frameSize: number;
  channels: number;
  k: number;
  n: number;
  gamma: number;
  segment: number;
  dtype: Dtype;
}

/** Asserts every sample is a valid, correctly rebuilt transition; returns the sampled obs ids. */
export function checkBatch(batch: ReplayBatch, model: EnvModel, l: Layout): number[] {
  const obsSize = l.frameSize * l.k;
  const ids: number[] = [];
  for (let b = 0; b < batch.batchSize; b++) {
    const id = newestFrameId(batch.observations, b * obsSize, l.channels, l.k, l.dtype);
    const ref = model.byObsId.get(id);
    expect(ref, `sample ${b}: obs frame ${id} is no transition`).toBeDefined();
    if (!model.valid(id, l.segment, l.k, l.n)) expect.fail(`sample ${b}: transition ${id} must not be sampleable`);
    const obs = Array.from(batch.observations.subarray(b * obsSize, (b + 1) * obsSize));
    expectSame(obs, expectedStack(EnvModel.stackIds(ref!.episode, ref!.t, l.k), l.frameSize, l.channels, l.dtype));
    const w = model.window(ref!, l.n, l.gamma)!;
    const next = Array.from(batch.nextObservations.subarray(b * obsSize, (b + 1) * obsSize));
    expectSame(next, expectedStack(EnvModel.stackIds(ref!.episode, ref!.t + w.m, l.k), l.frameSize, l.channels, l.dtype));
    expect(batch.actions[b]).toBe(ref!.action);
    expect(batch.rewards[b]).toBeCloseTo(w.ret, 4);
    expect(batch.discounts[b]).toBeCloseTo(l.gamma ** w.m, 6);
    expect(batch.terminated[b]).toBe(w.terminated ? 1 : 0);
    expect(batch.truncated[b]).toBe(w.truncated ? 1 : 0);
    ids.push(id);
  }
  return ids;
}

/** Element-wise equality; falls back to expect for a readable diff only when they differ. */
function expectSame(actual: number[], expected: number[]): void {
  let same = actual.length === expected.length;
  for (let i = 0; same && i < actual.length; i++) same = actual[i] === expected[i];
  if (!same) expect(actual).toEqual(expected);
}
