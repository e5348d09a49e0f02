// MinAtar's channel observations are views into shared slabs (cheap to make): each must stay the
// caller's own, unchanged by later steps, across slab boundaries.
import { describe, expect, it } from 'vitest';
import { Discrete, make } from '../../envs/index.js';
import { ObservationSlab } from '../../envs/games/observationSlab.js';

describe('ObservationSlab', () => {
  it('gives each copy its own bytes, across many slabs', () => {
    const slab = new ObservationSlab(600);
    const src = new Uint8Array(600);
    const copies: Uint8Array[] = [];
    for (let k = 0; k < 100; k++) {
      src.fill(k);
      copies.push(slab.copyOf(src));
    }
    src.fill(255);
    copies.forEach((c, k) => {
      expect(c.length).toBe(600);
      expect(c.every((v) => v === k)).toBe(true);
    });
    copies[3]!.fill(7);
    expect(copies[2]!.every((v) => v === 2)).toBe(true);
    expect(copies[4]!.every((v) => v === 4)).toBe(true);
    expect(new Set(copies.map((c) => c.buffer)).size).toBeGreaterThan(1); // 100 × 600 bytes span several slabs
  });

  it('gives big observations a buffer of their own, and rejects a wrong size', () => {
    const big = new ObservationSlab(84 * 84 * 3);
    const c = big.copyOf(new Uint8Array(84 * 84 * 3).fill(9));
    expect(c.byteOffset).toBe(0);
    expect(c.buffer.byteLength).toBe(84 * 84 * 3);
    expect(() => new ObservationSlab(600).copyOf(new Uint8Array(599))).toThrow(/expected 600 bytes, got 599/);
    expect(() => new ObservationSlab(0)).toThrow(/positive integer/);
  });
});

describe('MinAtar channel observations', () => {
  it.each(['Breakout', 'Freeway', 'Asterix', 'Seaquest', 'SpaceInvaders'])('%s: kept observations never change as the episode goes on', (game) => {
    const run = () => {
      const env = make(`MinAtar/${game}-v1`);
      const kept: Uint8Array[] = [env.reset({ seed: 3 }).observation as Uint8Array];
      const copies: Uint8Array[] = [Uint8Array.from(kept[0]!)];
      for (let t = 0; t < 300; t++) {
        const r = env.step(t % (env.actionSpace as Discrete).n);
        kept.push(r.observation as Uint8Array);
        copies.push(Uint8Array.from(r.observation as Uint8Array));
        if (r.terminated || r.truncated) {
          const o = env.reset().observation as Uint8Array;
          kept.push(o);
          copies.push(Uint8Array.from(o));
        }
      }
      return { kept, copies };
    };
    const { kept, copies } = run();
    // Every observation still holds what it held when it was returned.
    kept.forEach((o, i) => expect(Array.from(o)).toEqual(Array.from(copies[i]!)));
    expect(new Set(kept.map((o) => o.buffer)).size).toBeGreaterThan(1);
  });
});
