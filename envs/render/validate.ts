/**
 * Input checks for the rasterizer, run before any pixel is written so that bad input throws a
 * clear error and leaves the caller's buffer untouched.
 */
import type { Scene, Shape } from './scene.js';

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function checkColor(c: unknown, where: string): void {
  if (!(typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= 0xffffff))
    throw new RangeError(`${where}: color must be an integer 0xRRGGBB, got ${String(c)}`);
}

/** Throws naming the first field of `fields` that is not a finite number (only called once a check failed). */
function fieldError(s: Shape, where: string, fields: readonly string[]): never {
  const rec = s as unknown as Record<string, unknown>;
  for (const f of fields)
    if (!finite(rec[f])) throw new RangeError(`${where} (${s.type}): ${f} must be a finite number, got ${String(rec[f])}`);
  for (const f of fields) if ((rec[f] as number) < 0) throw new RangeError(`${where} (${s.type}): ${f} must be ≥ 0, got ${String(rec[f])}`);
  throw new RangeError(`${where} (${s.type}): bad geometry`);
}

/**
 * `where` names the shape in messages, e.g. 'scene.shapes[3]'. The happy path reads fields
 * directly (this runs for every shape of every frame); messages are built only on failure.
 */
export function checkShape(s: Shape, where: string): void {
  if (typeof s !== 'object' || s === null) throw new TypeError(`${where} is not a shape object`);
  const c = s.color;
  if (!(typeof c === 'number' && c >= 0 && c <= 0xffffff && Math.floor(c) === c)) checkColor(c, where);
  if (s.kind !== undefined && typeof s.kind !== 'string') throw new TypeError(`${where}: kind must be a string`);
  switch (s.type) {
    case 'rect':
      if (!(finite(s.x) && finite(s.y) && finite(s.w) && finite(s.h))) fieldError(s, where, ['x', 'y', 'w', 'h']);
      return;
    case 'circle':
      if (!(finite(s.x) && finite(s.y) && finite(s.r) && s.r >= 0)) fieldError(s, where, ['x', 'y', 'r']);
      return;
    case 'line':
      if (!(finite(s.x1) && finite(s.y1) && finite(s.x2) && finite(s.y2) && finite(s.width) && s.width >= 0))
        fieldError(s, where, ['x1', 'y1', 'x2', 'y2', 'width']);
      return;
    case 'polygon': {
      const p: unknown = s.points;
      if (!Array.isArray(p) || p.length % 2 !== 0)
        throw new TypeError(`${where} (polygon): points must be a flat array x0, y0, x1, y1, … of even length`);
      for (let k = 0; k < p.length; k++)
        if (!finite(p[k])) throw new RangeError(`${where} (polygon): points[${k}] must be a finite number, got ${String(p[k])}`);
      return;
    }
    case 'text':
      if (!(finite(s.x) && finite(s.y) && finite(s.size) && s.size >= 0)) fieldError(s, where, ['x', 'y', 'size']);
      if (typeof s.text !== 'string') throw new TypeError(`${where} (text): text must be a string`);
      return;
    default:
      throw new TypeError(`${where}: unknown shape type ${JSON.stringify((s as { type?: unknown }).type)}`);
  }
}

export function checkScene(scene: Scene): void {
  if (typeof scene !== 'object' || scene === null) throw new TypeError('rasterize: scene must be an object');
  if (!(finite(scene.width) && scene.width > 0 && finite(scene.height) && scene.height > 0))
    throw new RangeError(`rasterize: scene size must be positive, got ${String(scene.width)}×${String(scene.height)}`);
  checkColor(scene.background, 'scene.background');
  if (!Array.isArray(scene.shapes)) throw new TypeError('rasterize: scene.shapes must be an array');
  for (let i = 0; i < scene.shapes.length; i++) checkShape(scene.shapes[i]!, `scene.shapes[${i}]`);
}

export function checkSize(width: number, height: number, fn: string): void {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new RangeError(`${fn}: output size must be positive integers, got ${String(width)}×${String(height)}`);
}

export function checkOut(out: Uint8Array | undefined, bytes: number, fn: string): void {
  if (out === undefined) return;
  if (!(out instanceof Uint8Array)) throw new TypeError(`${fn}: out must be a Uint8Array`);
  if (out.length !== bytes) throw new RangeError(`${fn}: out has ${out.length} bytes, needs ${bytes}`);
}
