// Ground-truth boxes from an env's scene: every shape whose kind is listed becomes one object, boxed by
// the pixels of its kind it shows in the frame (so a shape hidden by a later one is left out, and a
// partly hidden one is boxed by what is visible, which is all a detector can see).
import { rasterizeLabels, shapeBounds } from '../../../envs/render/rasterize.js';
import type { Scene } from '../../../envs/render/scene.js';
import type { LabeledBox } from './boxes.js';

/**
 * The visible objects of `scene` rendered at width × height: class = index of the shape's kind in
 * `kinds`, box in pixels. Shapes of unlisted kinds are ignored (but still hide what lies beneath).
 * `labels`, when given, must be `rasterizeLabels(scene, width, height, kinds)` (saves redrawing it).
 */
export function sceneObjects(scene: Scene, width: number, height: number, kinds: readonly string[], labels?: Uint8Array): LabeledBox[] {
  const map = labels ?? rasterizeLabels(scene, width, height, kinds);
  if (map.length !== width * height) throw new RangeError(`sceneObjects: labels must hold ${width * height} bytes, got ${map.length}`);
  const sx = width / scene.width;
  const sy = height / scene.height;
  const out: LabeledBox[] = [];
  for (const shape of scene.shapes) {
    if (shape.kind === undefined) continue;
    const classId = kinds.indexOf(shape.kind);
    if (classId < 0) continue;
    const b = shapeBounds(shape, sx, sy);
    const label = classId + 1;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let y = Math.max(0, b.y0); y < Math.min(height, b.y1); y++) {
      for (let x = Math.max(0, b.x0); x < Math.min(width, b.x1); x++) {
        if (map[y * width + x] !== label) continue;
        if (x < x0) x0 = x;
        if (x + 1 > x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y + 1 > y1) y1 = y + 1;
      }
    }
    if (x1 > x0) out.push({ classId, box: { x0, y0, x1, y1 } });
  }
  return out;
}
