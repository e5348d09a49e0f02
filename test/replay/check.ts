// Checks a sampled batch against the reference model, element by element.
import { expect } from 'vitest';
import type { ReplayBatch, ReplayBuffer } from '../../replay/index.js';
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
  // Problems are collected and asserted once: thousands of expect() calls would dominate the run.
  const problems: string[] = [];
  const near = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  for (let b = 0; b < batch.batchSize; b++) {
    const id = newestFrameId(batch.observations, b * obsSize, l.channels, l.k, l.dtype);
    const ref = model.byObsId.get(id);
    if (ref === undefined) {
      problems.push(`sample ${b}: obs frame ${id} is no transition`);
      continue;
    }
    if (!model.valid(id, l.segment, l.k, l.n)) problems.push(`sample ${b}: transition ${id} must not be sampleable`);
    const obs = Array.from(batch.observations.subarray(b * obsSize, (b + 1) * obsSize));
    if (!same(obs, expectedStack(EnvModel.stackIds(ref.episode, ref.t, l.k), l.frameSize, l.channels, l.dtype))) problems.push(`sample ${b} (${id}): wrong stack`);
    const w = model.window(ref, l.n, l.gamma)!;
    const next = Array.from(batch.nextObservations.subarray(b * obsSize, (b + 1) * obsSize));
    if (!same(next, expectedStack(EnvModel.stackIds(ref.episode, ref.t + w.m, l.k), l.frameSize, l.channels, l.dtype))) problems.push(`sample ${b} (${id}): wrong next stack`);
    if (batch.actions[b] !== ref.action) problems.push(`sample ${b} (${id}): action ${batch.actions[b]} != ${ref.action}`);
    if (!near(batch.rewards[b]!, w.ret, 1e-5)) problems.push(`sample ${b} (${id}): reward ${batch.rewards[b]} != ${w.ret}`);
    if (!near(batch.discounts[b]!, l.gamma ** w.m, 1e-6)) problems.push(`sample ${b} (${id}): discount ${batch.discounts[b]} != ${l.gamma ** w.m}`);
    if (batch.terminated[b] !== (w.terminated ? 1 : 0)) problems.push(`sample ${b} (${id}): terminated ${batch.terminated[b]}`);
    if (batch.truncated[b] !== (w.truncated ? 1 : 0)) problems.push(`sample ${b} (${id}): truncated ${batch.truncated[b]}`);
    ids.push(id);
  }
  expect(problems).toEqual([]);
  return ids;
}

function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function layoutOf(buffer: ReplayBuffer, dtype: Dtype): Layout {
  const shape = buffer.frameShape;
  return {
    frameSize: buffer.frameSize,
    channels: shape.length > 0 ? shape[shape.length - 1]! : 1,
    k: buffer.frameStack,
    n: buffer.nStep,
    gamma: buffer.gamma,
    segment: buffer.segmentLength,
    dtype,
  };
}

/**
 * Samples `draws` transitions and checks each against the model; also that every transition
 * the model says is valid shows up, and that the buffer's size matches the model's count.
 */
export function sampleAndCheck(buffer: ReplayBuffer, model: EnvModel, dtype: Dtype, draws = 1500): void {
  const l = layoutOf(buffer, dtype);
  const seen = new Set<number>();
  const out = buffer.createBatch(50);
  for (let i = 0; i < draws / 50; i++) for (const id of checkBatch(buffer.sample(50, out), model, l)) seen.add(id);
  const valid = model.validIds(l.segment, l.k, l.n);
  expect(valid.length).toBeGreaterThan(0);
  expect([...seen].sort((a, b) => a - b)).toEqual(valid.sort((a, b) => a - b));
  expect(buffer.size).toBe(model.storedCount(l.segment));
}
