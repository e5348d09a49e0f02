import { describe, expect, test } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { MinTree, SumTree } from '../../replay/index.js';

function checkInvariants(sum: SumTree, min: MinTree, leaves: number[]): void {
  const size = sum.size;
  // Counted, then asserted once: per-node expect() calls would dominate the run.
  let badNodes = 0;
  for (let i = 1; i < size; i++) {
    if (sum.nodes[i] !== sum.nodes[2 * i]! + sum.nodes[2 * i + 1]!) badNodes++;
    if (min.nodes[i] !== Math.min(min.nodes[2 * i]!, min.nodes[2 * i + 1]!)) badNodes++;
  }
  for (let j = leaves.length; j < size; j++) if (sum.nodes[size + j] !== 0) badNodes++;
  expect(badNodes).toBe(0);
  let total = 0;
  let smallest = Infinity;
  for (const v of leaves) {
    total += v;
    if (v > 0) smallest = Math.min(smallest, v);
  }
  expect(sum.total).toBeCloseTo(total, 9);
  expect(min.min).toBe(smallest);
}

/** Index of the first leaf whose running sum exceeds u, by a linear scan. */
function linearFind(leaves: number[], u: number): number {
  let acc = 0;
  for (let j = 0; j < leaves.length; j++) {
    acc += leaves[j]!;
    if (u < acc) return j;
  }
  return -1;
}

describe('sum and min trees', () => {
  test('invariants hold after random updates, and find agrees with a linear scan', () => {
    const capacity = 13; // not a power of two: 16 leaves, 3 unused
    const sum = new SumTree(capacity);
    const min = new MinTree(capacity);
    expect(sum.size).toBe(16);
    const leaves = new Array<number>(capacity).fill(0);
    const rng = new Rng(11);
    for (let op = 0; op < 400; op++) {
      const j = rng.int(capacity);
      const v = rng.random() < 0.25 ? 0 : rng.uniform(0.01, 5);
      leaves[j] = v;
      sum.set(j, v);
      min.set(j, v > 0 ? v : Infinity);
      checkInvariants(sum, min, leaves);
      if (sum.total > 0) {
        for (let q = 0; q < 5; q++) {
          const u = rng.random() * sum.total;
          const expected = linearFind(leaves, u);
          // Ties at a boundary may go either way by rounding; the leaf must hold u in its range.
          const got = sum.find(u);
          if (got !== expected) {
            const before = leaves.slice(0, got).reduce((a, b) => a + b, 0);
            expect(Math.abs(u - before) < 1e-9 || Math.abs(u - before - leaves[got]!) < 1e-9).toBe(true);
          }
          expect(leaves[got]).toBeGreaterThan(0);
        }
      }
    }
  });

  test('find never lands on an empty leaf, even at or past the total', () => {
    const sum = new SumTree(8);
    sum.set(2, 0.3);
    sum.set(5, 0.1);
    expect(sum.find(0)).toBe(2);
    expect(sum.find(0.2999)).toBe(2);
    expect(sum.find(0.3)).toBe(5);
    expect(sum.find(sum.total)).toBe(5);
    expect(sum.find(sum.total * (1 + 1e-9))).toBe(5);
  });

  test('bad values are refused', () => {
    const sum = new SumTree(4);
    expect(() => sum.set(0, -1)).toThrow(/≥ 0/);
    expect(() => sum.set(0, NaN)).toThrow(/≥ 0/);
    expect(() => sum.set(4, 1)).toThrow(/out of/);
    expect(() => new SumTree(0)).toThrow(/positive integer/);
    expect(() => new MinTree(3).set(0, NaN)).toThrow(/NaN/);
  });

  test('rebuild from leaves restores the internal nodes', () => {
    const a = new SumTree(6);
    const vals = [0.5, 0, 2, 1.25, 0, 3];
    vals.forEach((v, j) => a.set(j, v));
    const b = new SumTree(6);
    b.leaves().set(vals);
    b.rebuild();
    expect(Array.from(b.nodes)).toEqual(Array.from(a.nodes));
    const m = new MinTree(6);
    m.rebuildFrom(vals);
    expect(m.min).toBe(0.5);
  });
});
