import { describe, expect, test } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { linearSchedule, PrioritizedReplayBuffer } from '../../replay/index.js';
import { sampleAndCheck } from './check.js';
import { EnvModel } from './model.js';

/** A buffer of `n` transitions of one running episode, observations 0..n-1. */
function filled(n: number, opts: { alpha?: number; epsilon?: number; beta?: number | ((t: number) => number); capacity?: number } = {}): PrioritizedReplayBuffer {
  const buffer = new PrioritizedReplayBuffer({ capacity: opts.capacity ?? 16, observationShape: [], seed: 21, ...opts });
  for (let i = 0; i < n; i++) buffer.add({ observation: i, action: 0, reward: 0, terminated: false, truncated: false, nextObservation: i + 1 });
  return buffer;
}

function sampleableSlots(buffer: PrioritizedReplayBuffer): number[] {
  const out: number[] = [];
  for (let s = 0; s < buffer.capacity; s++) if (buffer.isSampleable(s)) out.push(s);
  return out;
}

// Upper 0.1% point of the chi-square distribution with 9 degrees of freedom.
const CHI2_9_999 = 27.877;

describe('PrioritizedReplayBuffer', () => {
  test('sampling frequencies follow (|δ| + ε)^α (chi-square, 9 dof)', () => {
    const alpha = 0.7;
    const epsilon = 0.01;
    const buffer = filled(10, { alpha, epsilon });
    const slots = sampleableSlots(buffer);
    expect(slots.length).toBe(10);
    const tds = slots.map((_, i) => (i % 2 === 0 ? 1 : -1) * (0.1 + i * 0.6));
    buffer.updatePriorities(slots, tds);
    const p = tds.map((d) => (Math.abs(d) + epsilon) ** alpha);
    const total = p.reduce((a, b) => a + b, 0);
    const draws = 20000;
    const counts = new Map<number, number>(slots.map((s) => [s, 0]));
    const out = buffer.createBatch(1);
    for (let i = 0; i < draws; i++) {
      const s = buffer.sample(1, out).indices[0]!;
      counts.set(s, counts.get(s)! + 1);
    }
    let chi2 = 0;
    slots.forEach((s, i) => {
      const expected = (draws * p[i]!) / total;
      chi2 += (counts.get(s)! - expected) ** 2 / expected;
    });
    expect(chi2).toBeLessThan(CHI2_9_999);
    // Uniform counts would fail the same test by far.
    const uniform = draws / 10;
    const chi2Uniform = slots.reduce((acc, _, i) => acc + (uniform - (draws * p[i]!) / total) ** 2 / ((draws * p[i]!) / total), 0);
    expect(chi2Uniform).toBeGreaterThan(10 * CHI2_9_999);
  });

  test('stratified: sample b of a batch comes from the b-th equal segment of the priority mass', () => {
    const buffer = filled(12);
    const slots = sampleableSlots(buffer);
    const rng = new Rng(5);
    buffer.updatePriorities(slots, slots.map(() => rng.uniform(0, 3)));
    const B = 8;
    const batch = buffer.sample(B);
    // Running sums over slots, computed here from the reported priorities.
    const start = new Map<number, number>();
    let acc = 0;
    for (let s = 0; s < buffer.capacity; s++) {
      start.set(s, acc);
      acc += buffer.priority(s);
    }
    const segment = acc / B;
    for (let b = 0; b < B; b++) {
      const s = batch.indices[b]!;
      const lo = start.get(s)!;
      const hi = lo + buffer.priority(s);
      expect(hi).toBeGreaterThan(b * segment - 1e-9);
      expect(lo).toBeLessThan((b + 1) * segment + 1e-9);
      if (b > 0) expect(s).toBeGreaterThanOrEqual(batch.indices[b - 1]!);
    }
  });

  test('importance weights are (N·P(i))^-β / max_j (N·P(j))^-β, with β from a schedule', () => {
    const schedule = linearSchedule(0.4, 1, 10);
    const buffer = filled(9, { beta: schedule });
    const slots = sampleableSlots(buffer);
    buffer.updatePriorities(slots, slots.map((s) => 0.2 + s * 0.3));
    const n = slots.length;
    const total = slots.reduce((a, s) => a + buffer.priority(s), 0);
    const prob = (s: number) => buffer.priority(s) / total;
    for (let call = 0; call < 12; call++) {
      const beta = 0.4 + 0.6 * Math.min(1, call / 10);
      expect(buffer.beta).toBeCloseTo(beta, 12);
      const maxW = Math.max(...slots.map((s) => (n * prob(s)) ** -beta));
      const batch = buffer.sample(16);
      for (let b = 0; b < 16; b++) {
        const s = batch.indices[b]!;
        expect(batch.weights[b]).toBeCloseTo((n * prob(s)) ** -beta / maxW, 5);
      }
    }
    expect(buffer.samplesDrawn).toBe(12);
    buffer.setBeta(1);
    expect(buffer.beta).toBe(1);
  });

  test('new transitions get the largest priority so far; updates set (|δ| + ε)^α', () => {
    const alpha = 0.5;
    const epsilon = 1e-3;
    const buffer = filled(3, { alpha, epsilon });
    const slots = sampleableSlots(buffer);
    for (const s of slots) expect(buffer.priority(s)).toBe(1);
    buffer.updatePriorities([slots[0]!, slots[1]!], [3, -0.5]);
    expect(buffer.priority(slots[0]!)).toBeCloseTo((3 + epsilon) ** alpha, 12);
    expect(buffer.priority(slots[1]!)).toBeCloseTo((0.5 + epsilon) ** alpha, 12);
    buffer.add({ observation: 3, action: 0, reward: 0, terminated: false, truncated: false, nextObservation: 4 });
    const fresh = sampleableSlots(buffer).filter((s) => !slots.includes(s));
    expect(fresh.length).toBe(1);
    expect(buffer.priority(fresh[0]!)).toBeCloseTo((3 + epsilon) ** alpha, 12);
    expect(buffer.totalPriority).toBeCloseTo(sampleableSlots(buffer).reduce((a, s) => a + buffer.priority(s), 0), 12);
  });

  test('bad priority updates throw and change nothing; unsampleable slots stay at zero', () => {
    const buffer = filled(4);
    const slots = sampleableSlots(buffer);
    const before = slots.map((s) => buffer.priority(s));
    expect(() => buffer.updatePriorities([slots[0]!, slots[1]!], [1])).toThrow(/2 indices but 1/);
    expect(() => buffer.updatePriorities([slots[0]!, 99], [1, 1])).toThrow(/out of/);
    expect(() => buffer.updatePriorities([slots[0]!, slots[1]!], [1, NaN])).toThrow(/not finite/);
    expect(slots.map((s) => buffer.priority(s))).toEqual(before);
    const empty = [...Array(buffer.capacity).keys()].find((s) => !buffer.isSampleable(s))!;
    buffer.updatePriorities([empty], [5]);
    expect(buffer.priority(empty)).toBe(0);
  });

  test('priorities track sampleability through wraparound, stacks, n-step windows and several envs', () => {
    const numEnvs = 2;
    const buffer = new PrioritizedReplayBuffer({
      capacity: 2 * 20,
      observationShape: [2, 2, 1],
      observationDtype: 'uint8',
      frameStack: 4,
      numEnvs,
      nStep: 2,
      gamma: 0.9,
      alpha: 0.6,
      seed: 31,
    });
    const model = new EnvModel({ numEnvs, frameSize: 4, dtype: 'uint8', pEnd: 0.2, seed: 32 });
    const rng = new Rng(33);
    for (let step = 1; step <= 120; step++) {
      for (let e = 0; e < numEnvs; e++) buffer.add(model.step(e), e);
      if (buffer.canSample()) {
        const batch = buffer.sample(8);
        buffer.updatePriorities(batch.indices, Array.from(batch.indices, () => rng.uniform(0.1, 0.5)));
      }
      let total = 0;
      for (let s = 0; s < buffer.capacity; s++) {
        expect(buffer.priority(s) > 0).toBe(buffer.isSampleable(s));
        total += buffer.priority(s);
      }
      expect(buffer.totalPriority).toBeCloseTo(total, 9);
      if (step === 30 || step === 120) sampleAndCheck(buffer, model, 'uint8', 3000);
    }
  });
});
