// Anchor boxes of a region proposal network (Ren et al. 2015, "Faster R-CNN", §3.1.1): at every cell of
// the feature map, boxes of a few sizes and aspect ratios centred on the cell's centre in the image.
import type { BoxXYXY } from './boxes.js';

export interface AnchorGridConfig {
  /** Feature-map rows and columns. */
  rows: number;
  cols: number;
  /** Image pixels per feature-map cell. */
  stride: number;
  /** Square-root areas in pixels (an anchor of size s and ratio 1 is s × s). */
  sizes: readonly number[];
  /** Height / width ratios. */
  aspectRatios: readonly number[];
}

/**
 * All anchors, ordered row, column, then size-major within a cell (size 0 with every ratio, size 1 …):
 * the order of a [rows, cols, anchorsPerCell] conv output flattened.
 */
export function anchorGrid(config: AnchorGridConfig): BoxXYXY[] {
  const { rows, cols, stride, sizes, aspectRatios } = config;
  for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`anchorGrid: ${name} must be a positive integer, got ${v}`);
  }
  if (!(stride > 0)) throw new RangeError(`anchorGrid: stride must be positive, got ${stride}`);
  if (sizes.length === 0 || sizes.some((s) => !(s > 0))) throw new RangeError(`anchorGrid: sizes must be positive numbers, got [${sizes.join(', ')}]`);
  if (aspectRatios.length === 0 || aspectRatios.some((r) => !(r > 0))) {
    throw new RangeError(`anchorGrid: aspectRatios must be positive numbers, got [${aspectRatios.join(', ')}]`);
  }
  const out: BoxXYXY[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const cx = (j + 0.5) * stride;
      const cy = (i + 0.5) * stride;
      for (const s of sizes) {
        for (const r of aspectRatios) {
          const w = s / Math.sqrt(r);
          const h = s * Math.sqrt(r);
          out.push({ x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 });
        }
      }
    }
  }
  return out;
}
