/** The mountain-car picture both MountainCar variants draw: the hill, the car with two wheels, the goal flag. */
import type { Frame, LineShape, Scene, Shape } from '../render/scene.js';
import { StaticLayer } from '../render/staticLayer.js';
import { rotatedBox } from './common.js';

export const MIN_POSITION = -1.2;
export const MAX_POSITION = 0.6;
export const SCREEN_W = 600;
export const SCREEN_H = 400;
const SCALE = SCREEN_W / (MAX_POSITION - MIN_POSITION);
const HILL_POINTS = 100;
const BACKGROUND = 0xffffff;

/** Height of the hill (in world units) at position x. */
export function hillHeight(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

// The hill never changes: build its 99 segments once and share them. The segments are frozen,
// so a consumer that edits a scene cannot corrupt the next one; the array is not (slicing a
// frozen array is ~50× slower in V8) and never leaves this module.
const HILL: readonly LineShape[] = (() => {
  const out: LineShape[] = [];
  let px = 0;
  let py = 0;
  for (let i = 0; i < HILL_POINTS; i++) {
    const x = MIN_POSITION + ((MAX_POSITION - MIN_POSITION) * i) / (HILL_POINTS - 1);
    const sx = (x - MIN_POSITION) * SCALE;
    const sy = SCREEN_H - hillHeight(x) * SCALE;
    if (i > 0) out.push(Object.freeze({ type: 'line', x1: px, y1: py, x2: sx, y2: sy, width: 1, color: 0x000000, kind: 'hill' }) as LineShape);
    px = sx;
    py = sy;
  }
  return out;
})();

// The background and hill rasterized once per output size: rendering then draws only the car and
// flag over a copy, instead of scanning 99 segments a frame.
const HILL_LAYER = new StaticLayer({ width: SCREEN_W, height: SCREEN_H, background: BACKGROUND, shapes: HILL.slice() });

/** The shapes drawn over the hill, in order: the car, its wheels, the flagpole and the flag. */
function carAndFlag(position: number, goalPosition: number): Shape[] {
  const carW = 40;
  const carH = 20;
  const clearance = 10;
  const angle = Math.cos(3 * position); // Gymnasium tilts the car by this many radians
  const tx = (position - MIN_POSITION) * SCALE;
  const ty = clearance + hillHeight(position) * SCALE;
  const shapes: Shape[] = [
    { type: 'polygon', points: rotatedBox(-carW / 2, carW / 2, 0, carH, angle, tx, ty, SCREEN_H), color: 0x000000, kind: 'car' },
  ];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (const wx of [carW / 4, -carW / 4]) {
    shapes.push({ type: 'circle', x: Math.trunc(wx * c + tx), y: SCREEN_H - Math.trunc(wx * s + ty), r: Math.trunc(carH / 2.5), color: 0x808080, kind: 'wheel' });
  }
  const flagX = Math.trunc((goalPosition - MIN_POSITION) * SCALE);
  const flagY1 = Math.trunc(hillHeight(goalPosition) * SCALE);
  const flagY2 = flagY1 + 50;
  shapes.push(
    // +½: Gymnasium's vline fills pixel column flagX, whose centre is flagX + ½.
    { type: 'line', x1: flagX + 0.5, y1: SCREEN_H - flagY1, x2: flagX + 0.5, y2: SCREEN_H - flagY2, width: 1, color: 0x000000, kind: 'flagpole' },
    { type: 'polygon', points: [flagX, SCREEN_H - flagY2, flagX, SCREEN_H - (flagY2 - 10), flagX + 25, SCREEN_H - (flagY2 - 5)], color: 0xcccc00, kind: 'flag' },
  );
  return shapes;
}

/** The whole picture as a scene: 99 hill segments, then the car and the flag. */
export function mountainCarScene(position: number, goalPosition: number): Scene {
  const shapes: Shape[] = HILL.slice();
  for (const s of carAndFlag(position, goalPosition)) shapes.push(s);
  return { width: SCREEN_W, height: SCREEN_H, background: BACKGROUND, shapes };
}

/**
 * The pixels of `rasterize(mountainCarScene(position, goalPosition), width, height, out)`, byte
 * for byte, with the hill copied from a per-size cache.
 */
export function renderMountainCar(position: number, goalPosition: number, width: number, height: number, out?: Uint8Array): Frame {
  return HILL_LAYER.render(carAndFlag(position, goalPosition), width, height, out);
}
