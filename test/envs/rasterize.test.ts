import { describe, expect, it } from 'vitest';
import { rasterize, rasterizeLabels, shapeBounds } from '../../envs/render/rasterize.js';
import type { Frame, Scene, Shape } from '../../envs/render/scene.js';
import { StaticLayer } from '../../envs/render/staticLayer.js';
import { Rng } from '../../envs/rng.js';

const BG = 0x102030;

function scene(width: number, height: number, shapes: Shape[], background = BG): Scene {
  return { width, height, background, shapes };
}

function pixel(f: Frame, x: number, y: number): number {
  const p = (y * f.width + x) * 3;
  return (f.data[p]! << 16) | (f.data[p + 1]! << 8) | f.data[p + 2]!;
}

/** The set of "x,y" pixels whose colour is `color`. */
function pixelsOf(f: Frame, color: number): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < f.height; y++) for (let x = 0; x < f.width; x++) if (pixel(f, x, y) === color) out.add(`${x},${y}`);
  return out;
}

/** Pixels whose centre passes `inside` (in pixel coordinates), the rule spelled out by brute force. */
function expectedPixels(width: number, height: number, inside: (px: number, py: number) => boolean): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (inside(x + 0.5, y + 0.5)) out.add(`${x},${y}`);
  return out;
}

/** Even–odd point-in-polygon, written independently of the rasterizer. */
function evenOdd(points: number[], px: number, py: number): boolean {
  let inside = false;
  const n = points.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = points[2 * i]!;
    const yi = points[2 * i + 1]!;
    const xj = points[2 * j]!;
    const yj = points[2 * j + 1]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function sorted(s: Set<string>): string[] {
  return [...s].sort();
}

describe('rasterize: rects', () => {
  it('an aligned rect at integer scale covers exactly its pixel block', () => {
    const f = rasterize(scene(10, 10, [{ type: 'rect', x: 2, y: 3, w: 4, h: 2, color: 0xff0000 }]), 20, 20);
    const got = pixelsOf(f, 0xff0000);
    const want = new Set<string>();
    for (let y = 6; y < 10; y++) for (let x = 4; x < 12; x++) want.add(`${x},${y}`);
    expect(sorted(got)).toEqual(sorted(want));
    expect(pixelsOf(f, BG).size).toBe(400 - 32);
  });

  it('at non-integer scale the cells of a 10×10 grid tile 84×84 with no gap or overlap', () => {
    const shapes: Shape[] = [];
    for (let cy = 0; cy < 10; cy++) for (let cx = 0; cx < 10; cx++) shapes.push({ type: 'rect', x: cx, y: cy, w: 1, h: 1, color: cy * 10 + cx + 1 });
    const f = rasterize(scene(10, 10, shapes, 0xffffff), 84, 84);
    const widths = new Array<number>(10).fill(0);
    for (let y = 0; y < 84; y++) {
      for (let x = 0; x < 84; x++) {
        // The cell holding the pixel centre, in scene units: (x + ½)·10/84.
        const cell = Math.floor(((y + 0.5) * 10) / 84) * 10 + Math.floor(((x + 0.5) * 10) / 84);
        expect(pixel(f, x, y)).toBe(cell + 1);
        if (y === 0) widths[cell]!++;
      }
    }
    // 8.4 pixels a cell: each is 8 or 9 wide, together exactly 84.
    for (const w of widths) expect([8, 9]).toContain(w);
    expect(widths.reduce((a, b) => a + b, 0)).toBe(84);
    // Cell 5 spans centres in [42, 50.4): columns 42 … 49.
    expect(pixel(f, 41, 0)).toBe(5);
    expect(pixel(f, 42, 0)).toBe(6);
    expect(pixel(f, 49, 0)).toBe(6);
    expect(pixel(f, 50, 0)).toBe(7);
  });

  it('a negative width extends left; later shapes draw over earlier ones', () => {
    const f = rasterize(
      scene(8, 4, [
        { type: 'rect', x: 6, y: 0, w: -4, h: 2, color: 0x00ff00 },
        { type: 'rect', x: 3, y: 1, w: 1, h: 1, color: 0x0000ff },
      ]),
    );
    expect(sorted(pixelsOf(f, 0x00ff00))).toEqual(['2,0', '2,1', '3,0', '4,0', '4,1', '5,0', '5,1']);
    expect(pixel(f, 3, 1)).toBe(0x0000ff);
  });
});

describe('rasterize: circles, lines, polygons', () => {
  it('a circle covers the pixels whose centres are inside it, also stretched to an ellipse', () => {
    const c = { type: 'circle', x: 10.3, y: 9.8, r: 5.2, color: 0xabcdef } as const;
    const f = rasterize(scene(20, 20, [c]));
    const want = expectedPixels(20, 20, (px, py) => (px - 10.3) ** 2 + (py - 9.8) ** 2 < 5.2 ** 2);
    expect(want.size).toBeGreaterThan(70);
    expect(sorted(pixelsOf(f, 0xabcdef))).toEqual(sorted(want));

    const g = rasterize(scene(20, 20, [c]), 60, 40); // sx = 3, sy = 2
    const wantEllipse = expectedPixels(60, 40, (px, py) => ((px / 3 - 10.3) / 5.2) ** 2 + ((py / 2 - 9.8) / 5.2) ** 2 < 1);
    expect(sorted(pixelsOf(g, 0xabcdef))).toEqual(sorted(wantEllipse));
  });

  it('a thick line covers a rotated rectangle with butt ends', () => {
    const l = { type: 'line', x1: 3.1, y1: 4.2, x2: 25.7, y2: 17.9, width: 3, color: 0x00aa00 } as const;
    const f = rasterize(scene(30, 24, [l]));
    const dx = l.x2 - l.x1;
    const dy = l.y2 - l.y1;
    const len = Math.hypot(dx, dy);
    const want = expectedPixels(30, 24, (px, py) => {
      const along = ((px - l.x1) * dx + (py - l.y1) * dy) / len;
      const across = (-(px - l.x1) * dy + (py - l.y1) * dx) / len;
      return along > 0 && along < len && Math.abs(across) < 1.5;
    });
    expect(want.size).toBeGreaterThan(50);
    expect(sorted(pixelsOf(f, 0x00aa00))).toEqual(sorted(want));
  });

  it('a horizontal line of width 2 covers two rows; a hairline still covers one pixel per column', () => {
    const f = rasterize(
      scene(10, 12, [
        { type: 'line', x1: 2, y1: 5, x2: 8, y2: 5, width: 2, color: 0xff0000 },
        { type: 'line', x1: 1, y1: 10.2, x2: 9, y2: 10.2, width: 0.05, color: 0x0000ff },
      ]),
    );
    const red = new Set<string>();
    for (const y of [4, 5]) for (let x = 2; x < 8; x++) red.add(`${x},${y}`);
    expect(sorted(pixelsOf(f, 0xff0000))).toEqual(sorted(red));
    const blue = pixelsOf(f, 0x0000ff);
    expect(sorted(blue)).toEqual(sorted(new Set(Array.from({ length: 8 }, (_, i) => `${i + 1},10`))));
    // Downscaled 10×, a 1-unit line would be 0.1 px: it is widened to one pixel instead of vanishing.
    const small = rasterize(scene(600, 400, [{ type: 'line', x1: 0, y1: 300, x2: 600, y2: 300, width: 1, color: 0 }], 0xffffff), 60, 40);
    expect(pixelsOf(small, 0).size).toBe(60);
  });

  it('a convex and a concave polygon match an even–odd point test at pixel centres', () => {
    const tri = [2.3, 1.7, 17.6, 4.1, 6.2, 15.8];
    const concave = [1.1, 1.3, 18.7, 1.2, 18.9, 14.6, 10.2, 6.3, 1.4, 14.8]; // a notch cut from the bottom
    for (const points of [tri, concave]) {
      const f = rasterize(scene(20, 16, [{ type: 'polygon', points, color: 0x445566 }]));
      const want = expectedPixels(20, 16, (px, py) => evenOdd(points, px, py));
      expect(want.size).toBeGreaterThan(40);
      expect(sorted(pixelsOf(f, 0x445566))).toEqual(sorted(want));
    }
    // The notch is empty: below the notch tip, at the middle column.
    const f = rasterize(scene(20, 16, [{ type: 'polygon', points: concave, color: 0x445566 }]));
    expect(pixel(f, 10, 12)).toBe(BG);
    expect(pixel(f, 3, 12)).toBe(0x445566);
  });

  it('a self-intersecting star leaves its centre empty (even–odd)', () => {
    const star: number[] = [];
    for (let k = 0; k < 5; k++) {
      const a = -Math.PI / 2 + (k * 4 * Math.PI) / 5;
      star.push(20.3 + 18 * Math.cos(a), 20.1 + 18 * Math.sin(a));
    }
    const f = rasterize(scene(41, 41, [{ type: 'polygon', points: star, color: 0x777777 }]));
    expect(pixel(f, 20, 20)).toBe(BG);
    expect(sorted(pixelsOf(f, 0x777777))).toEqual(sorted(expectedPixels(41, 41, (px, py) => evenOdd(star, px, py))));
  });
});

describe('rasterize: text', () => {
  it('draws glyphs only inside their boxes, at any size, upper and lower case alike', () => {
    const f = rasterize(scene(40, 20, [{ type: 'text', x: 2, y: 3, text: 'A', size: 7, color: 0xffffff }]));
    const lit = pixelsOf(f, 0xffffff);
    expect(lit.size).toBeGreaterThan(10);
    for (const p of lit) {
      const [x, y] = p.split(',').map(Number) as [number, number];
      expect(x >= 2 && x < 7 && y >= 3 && y < 10).toBe(true);
    }
    // 'A' top row is .###.
    expect([2, 3, 4, 5, 6].map((x) => lit.has(`${x},3`))).toEqual([false, true, true, true, false]);

    const g = rasterize(scene(40, 20, [{ type: 'text', x: 2, y: 3, text: 'a', size: 14, color: 0xffffff }]));
    const big = pixelsOf(g, 0xffffff);
    expect(big.size).toBe(lit.size * 4); // each font cell is 2×2 pixels
    for (const p of big) {
      const [x, y] = p.split(',').map(Number) as [number, number];
      expect(x >= 2 && x < 12 && y >= 3 && y < 17).toBe(true);
    }

    const two = pixelsOf(rasterize(scene(40, 20, [{ type: 'text', x: 2, y: 3, text: '10', size: 7, color: 0xffffff }])), 0xffffff);
    expect([...two].some((p) => Number(p.split(',')[0]) >= 8)).toBe(true); // the second glyph, one advance (6) over
    const blank = rasterize(scene(40, 20, [{ type: 'text', x: 2, y: 3, text: '~ ', size: 7, color: 0xffffff }]));
    expect(pixelsOf(blank, 0xffffff).size).toBe(0); // no glyph for '~'
  });
});

describe('rasterizeLabels and shapeBounds', () => {
  const KINDS = ['a', 'b', 'c'];
  // Colour encodes kind, so labels can be checked against colours pixel by pixel.
  const KIND_COLOR: Record<string, number> = { a: 0x100000, b: 0x200000, c: 0x300000, z: 0x400000, none: 0x500000 };

  function randomShapes(seed: number, n: number): Shape[] {
    const rng = new Rng(seed);
    const pick = ['a', 'b', 'c', 'z', 'none'];
    const shapes: Shape[] = [];
    for (let i = 0; i < n; i++) {
      const k = pick[rng.int(pick.length)]!;
      const base = { color: KIND_COLOR[k]!, ...(k === 'none' ? {} : { kind: k }) };
      const x = rng.uniform(-5, 45);
      const y = rng.uniform(-5, 35);
      switch (rng.int(5)) {
        case 0:
          shapes.push({ type: 'rect', x, y, w: rng.uniform(1, 12), h: rng.uniform(1, 12), ...base });
          break;
        case 1:
          shapes.push({ type: 'circle', x, y, r: rng.uniform(0.5, 8), ...base });
          break;
        case 2:
          shapes.push({ type: 'line', x1: x, y1: y, x2: rng.uniform(0, 40), y2: rng.uniform(0, 30), width: rng.uniform(0.2, 4), ...base });
          break;
        case 3:
          shapes.push({ type: 'polygon', points: Array.from({ length: 10 }, (_, j) => (j % 2 ? y : x) + rng.uniform(-8, 8)), ...base });
          break;
        default:
          shapes.push({ type: 'text', x, y, text: 'PIX 42', size: rng.uniform(3, 10), ...base });
      }
    }
    return shapes;
  }

  it('labels agree with colours at every pixel, at integer and non-integer scale', () => {
    for (const [w, h] of [
      [40, 30],
      [84, 84],
      [57, 23],
    ] as const) {
      const sc = scene(40, 30, randomShapes(w * h, 40), 0x000000);
      const f = rasterize(sc, w, h);
      const lab = rasterizeLabels(sc, w, h, KINDS);
      expect(lab.length).toBe(w * h);
      const counts = [0, 0, 0, 0];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const l = lab[y * w + x]!;
          const c = pixel(f, x, y);
          counts[l]!++;
          if (l > 0) expect(c).toBe(KIND_COLOR[KINDS[l - 1]!]);
          else expect([0x000000, KIND_COLOR.z, KIND_COLOR.none]).toContain(c);
        }
      }
      for (const n of counts) expect(n).toBeGreaterThan(0);
    }
  });

  it('shapeBounds is the box of exactly the pixels the shape covers, unclipped', () => {
    const shapes = randomShapes(7, 60);
    for (const s of shapes) {
      for (const [sx, sy] of [
        [1, 1],
        [2.5, 1.5],
      ] as const) {
        const b = shapeBounds(s, sx, sy);
        // Rasterize alone, shifted so the whole shape lands on a canvas with margin.
        // (The shift is a whole number of pixels at both scales.)
        const off = 30;
        const f = rasterize(scene(160, 160, [shift(s, off)]), 160 * sx, 160 * sy);
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        for (let y = 0; y < f.height; y++)
          for (let x = 0; x < f.width; x++)
            if (pixel(f, x, y) !== BG) {
              x0 = Math.min(x0, x);
              y0 = Math.min(y0, y);
              x1 = Math.max(x1, x + 1);
              y1 = Math.max(y1, y + 1);
            }
        if (x0 === Infinity) expect(b).toEqual({ x0: 0, y0: 0, x1: 0, y1: 0 });
        else expect(b).toEqual({ x0: x0 - off * sx, y0: y0 - off * sy, x1: x1 - off * sx, y1: y1 - off * sy });
      }
    }
    expect(shapeBounds({ type: 'rect', x: -3, y: 2, w: 2, h: 1, color: 0 }, 2, 2)).toEqual({ x0: -6, y0: 4, x1: -2, y1: 6 });
    expect(shapeBounds({ type: 'circle', x: 5, y: 5, r: 0, color: 0 }, 1, 1)).toEqual({ x0: 0, y0: 0, x1: 0, y1: 0 });
  });

  function shift(s: Shape, d: number): Shape {
    switch (s.type) {
      case 'rect':
      case 'circle':
      case 'text':
        return { ...s, x: s.x + d, y: s.y + d };
      case 'line':
        return { ...s, x1: s.x1 + d, y1: s.y1 + d, x2: s.x2 + d, y2: s.y2 + d };
      case 'polygon':
        return { ...s, points: s.points.map((v) => v + d) };
    }
  }
});

describe('rasterize: buffers, determinism, bad input', () => {
  const sc = scene(30, 20, [
    { type: 'rect', x: 1, y: 1, w: 10, h: 5, color: 0xff8800 },
    { type: 'circle', x: 20, y: 10, r: 6, color: 0x0088ff },
    { type: 'polygon', points: [2, 18, 12, 9, 14, 19], color: 0x22ff22 },
    { type: 'line', x1: 0, y1: 0, x2: 30, y2: 20, width: 1.5, color: 0x990099 },
    { type: 'text', x: 16, y: 2, text: 'OK', size: 5, color: 0xffffff },
  ]);

  it('reuses the out buffer, overwriting whatever was there, and is deterministic', () => {
    const fresh = rasterize(sc, 90, 60);
    const out = new Uint8Array(90 * 60 * 3).fill(7);
    const f = rasterize(sc, 90, 60, out);
    expect(f.data).toBe(out);
    expect(f.width).toBe(90);
    expect(f.height).toBe(60);
    expect(Buffer.from(out).equals(Buffer.from(fresh.data))).toBe(true);
    expect(Buffer.from(rasterize(sc, 90, 60).data).equals(Buffer.from(fresh.data))).toBe(true);
    const labels = new Uint8Array(90 * 60).fill(9);
    expect(rasterizeLabels(sc, 90, 60, [], labels)).toBe(labels);
    expect(labels.every((v) => v === 0)).toBe(true);
    // Default size is the scene's.
    expect(rasterize(sc).data.length).toBe(30 * 20 * 3);
  });

  it('rejects bad input with a clear error before touching the buffer', () => {
    const out = new Uint8Array(30 * 20 * 3).fill(5);
    const bad = (shapes: unknown[]) => ({ ...sc, shapes: [...sc.shapes, ...shapes] }) as Scene;
    expect(() => rasterize(bad([{ type: 'hexagon', color: 0 }]), 30, 20, out)).toThrow(/unknown shape type "hexagon"/);
    expect(() => rasterize(bad([{ type: 'rect', x: NaN, y: 0, w: 1, h: 1, color: 0 }]), 30, 20, out)).toThrow(/shapes\[5\].*x must be a finite number/);
    expect(() => rasterize(bad([{ type: 'circle', x: 0, y: 0, r: -1, color: 0 }]), 30, 20, out)).toThrow(/r must be ≥ 0/);
    expect(() => rasterize(bad([{ type: 'polygon', points: [1, 2, 3], color: 0 }]), 30, 20, out)).toThrow(/even length/);
    expect(() => rasterize(bad([{ type: 'rect', x: 0, y: 0, w: 1, h: 1, color: 0x1000000 }]), 30, 20, out)).toThrow(/0xRRGGBB/);
    expect(() => rasterize(sc, 30, 20, new Uint8Array(10))).toThrow(/needs 1800/);
    expect(() => rasterize(sc, 0, 20, out)).toThrow(/positive integers/);
    expect(() => rasterize(sc, 2.5, 20)).toThrow(/positive integers/);
    expect(() => rasterize(null as unknown as Scene)).toThrow(/scene must be an object/);
    expect(() => rasterize({ ...sc, width: 0 })).toThrow(/scene size must be positive/);
    expect(out.every((v) => v === 5)).toBe(true);
    expect(() => rasterizeLabels(sc, 30, 20, Array.from({ length: 256 }, (_, i) => `k${i}`))).toThrow(/255/);
    expect(() => shapeBounds(sc.shapes[0]!, 0, 1)).toThrow(/scale/);
  });
});

describe('StaticLayer', () => {
  /** A random shape of each type inside a w × h scene. */
  function randomShape(rng: Rng, w: number, h: number, i: number): Shape {
    const color = (0x1f3c5a * (i + 1)) & 0xffffff;
    switch (i % 4) {
      case 0:
        return { type: 'rect', x: rng.uniform(-5, w), y: rng.uniform(-5, h), w: rng.uniform(1, w / 3), h: rng.uniform(1, h / 3), color, kind: 'r' };
      case 1:
        return { type: 'circle', x: rng.uniform(0, w), y: rng.uniform(0, h), r: rng.uniform(0.5, w / 5), color, kind: 'c' };
      case 2:
        return { type: 'line', x1: rng.uniform(0, w), y1: rng.uniform(0, h), x2: rng.uniform(0, w), y2: rng.uniform(0, h), width: rng.uniform(0.2, 4), color };
      default:
        return { type: 'polygon', points: Array.from({ length: 10 }, (_, k) => rng.uniform(0, k % 2 ? h : w)), color, kind: 'p' };
    }
  }

  it('draws moving shapes over the cached layer: the same bytes as rasterizing everything, at any scale', () => {
    const rng = new Rng(21);
    const still = Array.from({ length: 30 }, (_, i) => randomShape(rng, 60, 40, i));
    const layer = new StaticLayer(scene(60, 40, still));
    // More sizes than the cache keeps, then the first ones again (evicted and rebuilt).
    const sizes = [[84, 84], [60, 40], [600, 400], [37, 91], [7, 5], [120, 80], [84, 84], [60, 40]] as const;
    for (const [w, h] of sizes) {
      for (let f = 0; f < 4; f++) {
        const moving = Array.from({ length: 5 }, (_, i) => randomShape(rng, 60, 40, i + f));
        const expected = rasterize(scene(60, 40, [...still, ...moving]), w, h).data;
        const got = layer.render(moving, w, h);
        expect([got.width, got.height]).toEqual([w, h]);
        expect(Buffer.from(got.data).equals(Buffer.from(expected))).toBe(true);
        const out = new Uint8Array(w * h * 3).fill(3);
        expect(layer.render(moving, w, h, out).data).toBe(out);
        expect(Buffer.from(out).equals(Buffer.from(expected))).toBe(true);
      }
    }
    // Default size is the scene's; with nothing moving it is the layer alone.
    expect(Buffer.from(layer.render([]).data).equals(Buffer.from(rasterize(scene(60, 40, still)).data))).toBe(true);
  });

  it('keeps its own copy: editing the shapes it was built from changes nothing', () => {
    const poly: Shape = { type: 'polygon', points: [1, 1, 9, 1, 5, 8], color: 0xff0000 };
    const rect: Shape = { type: 'rect', x: 0, y: 0, w: 3, h: 3, color: 0x00ff00 };
    const shapes = [poly, rect];
    const layer = new StaticLayer(scene(10, 10, shapes));
    const before = rasterize(scene(10, 10, [poly, rect]), 20, 20).data;
    poly.points[0] = 8;
    rect.color = 0x0000ff;
    shapes.push({ type: 'rect', x: 0, y: 0, w: 10, h: 10, color: 0 });
    expect(Buffer.from(layer.render([], 20, 20).data).equals(Buffer.from(before))).toBe(true);
    expect(layer.shapes.length).toBe(2);
    expect(Object.isFrozen(layer.shapes) && Object.isFrozen(layer.shapes[0])).toBe(true);
    expect([layer.width, layer.height]).toEqual([10, 10]);
  });

  it('rejects bad input with a clear error before touching the buffer', () => {
    const layer = new StaticLayer(scene(10, 10, [{ type: 'rect', x: 1, y: 1, w: 4, h: 4, color: 0xffffff }]));
    const out = new Uint8Array(20 * 20 * 3).fill(5);
    const good: Shape = { type: 'circle', x: 5, y: 5, r: 2, color: 0x123456 };
    expect(() => layer.render([good, { type: 'rect', x: NaN, y: 0, w: 1, h: 1, color: 0 }], 20, 20, out)).toThrow(/moving\[1\].*x must be a finite number/);
    expect(() => layer.render([good, { type: 'blob', color: 0 } as unknown as Shape], 20, 20, out)).toThrow(/unknown shape type "blob"/);
    expect(() => layer.render({} as unknown as Shape[], 20, 20, out)).toThrow(/moving must be an array/);
    expect(() => layer.render([good], 20, 20, new Uint8Array(7))).toThrow(/needs 1200/);
    expect(() => layer.render([good], 0, 20, out)).toThrow(/positive integers/);
    expect(out.every((v) => v === 5)).toBe(true);
    expect(() => new StaticLayer(scene(0, 10, []))).toThrow(/scene size must be positive/);
    expect(() => new StaticLayer(scene(10, 10, [{ type: 'circle', x: 0, y: 0, r: -1, color: 0 }]))).toThrow(/r must be ≥ 0/);
  });
});
