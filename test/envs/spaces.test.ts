import { describe, expect, it } from 'vitest';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple, spaceFromJSON, type Space } from '../../envs/index.js';

describe('spaces', () => {
  it('Discrete samples inside, honours start, rejects non-integers', () => {
    const d = new Discrete(3, 5);
    d.seed(1);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(d.sample());
    expect([...seen].sort()).toEqual([5, 6, 7]);
    expect(d.contains(4)).toBe(false);
    expect(d.contains(7)).toBe(true);
    expect(d.contains(5.5)).toBe(false);
    expect(d.contains('5')).toBe(false);
    expect(String(d)).toBe('Discrete(3, start=5)');
  });

  it('Box samples uniform / exponential / normal by bound and checks contains', () => {
    const b = new Box([-1, 0, -Infinity, -Infinity], [1, Infinity, 2, Infinity], [4], 'float64');
    b.seed(7);
    let neg3 = 0;
    for (let i = 0; i < 1000; i++) {
      const x = b.sample();
      expect(x).toBeInstanceOf(Float64Array);
      expect(b.contains(x)).toBe(true);
      expect(x[0]).toBeGreaterThanOrEqual(-1);
      expect(x[1]).toBeGreaterThanOrEqual(0);
      expect(x[2]).toBeLessThanOrEqual(2);
      if (x[3]! < 0) neg3++;
    }
    expect(neg3).toBeGreaterThan(400);
    expect(neg3).toBeLessThan(600);
    expect(b.contains(new Float64Array([2, 0, 0, 0]))).toBe(false);
    expect(b.contains(new Float64Array([0, 0, 0]))).toBe(false);
    expect(b.contains(new Float64Array([NaN, 0, 0, 0]))).toBe(false);
  });

  it('uint8 Box samples integers in range', () => {
    const b = new Box(0, 255, [2, 3], 'uint8');
    b.seed(3);
    const x = b.sample();
    expect(x).toBeInstanceOf(Uint8Array);
    expect(x.length).toBe(6);
    expect(b.shape).toEqual([2, 3]);
    expect(b.contains(new Uint8Array(6))).toBe(true);
    expect(b.contains([0, 0, 0, 0, 0, 0.5])).toBe(false);
  });

  it('same seed, same samples; different seed, different samples', () => {
    const draw = (seed: number) => {
      const s = new Tuple([new Discrete(10), new Box(-1, 1, [3]), new Dict({ a: new MultiBinary(4), b: new MultiDiscrete([2, 3]) })]);
      s.seed(seed);
      return JSON.stringify([0, 1, 2].map(() => s.sample()), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    };
    expect(draw(42)).toBe(draw(42));
    expect(draw(42)).not.toBe(draw(43));
  });

  it('round-trips through JSON text, infinities included', () => {
    const spaces: Space[] = [
      new Discrete(4, -1),
      new Box(-Infinity, Infinity, [2, 2]),
      new Box(0, 255, [84, 84, 3], 'uint8'),
      new MultiDiscrete([3, 4], [1, 0]),
      new MultiBinary(5),
      new Tuple([new Discrete(2), new Dict({ pos: new Box(-1, 1, [2], 'float64') })]),
    ];
    for (const s of spaces) {
      const back = spaceFromJSON(JSON.parse(JSON.stringify(s.toJSON())));
      expect(back.toJSON()).toEqual(s.toJSON());
      expect(String(back)).toBe(String(s));
    }
    expect(() => spaceFromJSON({ type: 'Nope' } as never)).toThrow(/unknown space type/);
  });

  it('composite contains checks every part', () => {
    const d = new Dict({ a: new Discrete(2), b: new MultiBinary(2) });
    expect(d.contains({ a: 1, b: [0, 1] })).toBe(true);
    expect(d.contains({ a: 2, b: [0, 1] })).toBe(false);
    expect(d.contains({ a: 1 })).toBe(false);
    const t = new Tuple([new Discrete(2), new MultiDiscrete([3])]);
    expect(t.contains([1, [2]])).toBe(true);
    expect(t.contains([1, [3]])).toBe(false);
  });
});
