import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/rng.js';

describe('Rng', () => {
  it('nearby seeds start far apart (the seed is mixed before seeding xoroshiro128+)', () => {
    const firsts = Array.from({ length: 16 }, (_, s) => new Rng(s).random());
    const sorted = [...firsts].sort((a, b) => a - b);
    // 16 uniform draws: the spread should cover most of [0, 1), and no two equal.
    expect(sorted[15]! - sorted[0]!).toBeGreaterThan(0.5);
    expect(new Set(firsts).size).toBe(16);
    const ints = Array.from({ length: 50 }, (_, s) => new Rng(s).int(2));
    const ones = ints.filter((x) => x === 1).length;
    expect(ones).toBeGreaterThan(10);
    expect(ones).toBeLessThan(40);
  });

  it('is reproducible and its state round-trips', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    for (let i = 0; i < 10; i++) expect(a.random()).toBe(b.random());
    a.normal();
    const st = a.getState();
    const xs = [a.random(), a.normal(), a.int(7)];
    const c = new Rng(0);
    c.setState(st);
    expect([c.random(), c.normal(), c.int(7)]).toEqual(xs);
  });

  it('int is unbiased enough and within range; uniform/normal moments', () => {
    const r = new Rng(9);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 50_000; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / 50_000)).toBeLessThan(0.03);
    expect(Math.abs(s2 / 50_000 - 1)).toBeLessThan(0.04);
    expect(() => r.int(0)).toThrow(RangeError);
  });
});
