// Axis-aligned boxes: overlap (IoU) and the box-delta parameterization of R-CNN / Faster R-CNN
// (Girshick et al. 2014, appendix C; Ren et al. 2015, eq. 2): dx, dy are centre shifts in units of the
// reference box's size, dw, dh log size ratios.

/**
 * A box in pixel coordinates covering [x0, x1) × [y0, y1): x to the right, y downwards, ends
 * exclusive (the same convention as the rasterizer's `PixelBounds`). Coordinates may be fractional.
 */
export interface BoxXYXY {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One object of the ground truth: its class index (0-based, no background) and box. */
export interface LabeledBox {
  classId: number;
  box: BoxXYXY;
}

/** One object a detector found: a labelled box with a confidence in [0, 1]. */
export interface Detection extends LabeledBox {
  score: number;
}

/** The four numbers of a box delta: (dx, dy, log dw, log dh). */
export type BoxDelta = [number, number, number, number];

/** Largest log size ratio decoded: exp of larger values would overflow to boxes far off the frame. */
export const MAX_LOG_RATIO = Math.log(1000 / 16);

export function boxWidth(b: BoxXYXY): number {
  return Math.max(0, b.x1 - b.x0);
}

export function boxHeight(b: BoxXYXY): number {
  return Math.max(0, b.y1 - b.y0);
}

export function boxArea(b: BoxXYXY): number {
  return boxWidth(b) * boxHeight(b);
}

/** Intersection over union; 0 when either box is empty. */
export function iou(a: BoxXYXY, b: BoxXYXY): number {
  const iw = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const ih = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** The delta that moves `reference` onto `target` (both must have positive size). */
export function encodeDelta(reference: BoxXYXY, target: BoxXYXY): BoxDelta {
  const wa = boxWidth(reference);
  const ha = boxHeight(reference);
  const w = boxWidth(target);
  const h = boxHeight(target);
  if (!(wa > 0 && ha > 0 && w > 0 && h > 0)) throw new RangeError('encodeDelta: boxes must have positive width and height');
  return [
    ((target.x0 + target.x1) / 2 - (reference.x0 + reference.x1) / 2) / wa,
    ((target.y0 + target.y1) / 2 - (reference.y0 + reference.y1) / 2) / ha,
    Math.log(w / wa),
    Math.log(h / ha),
  ];
}

/** Applies a delta to `reference`; log ratios are clamped to MAX_LOG_RATIO. */
export function decodeDelta(reference: BoxXYXY, dx: number, dy: number, dw: number, dh: number): BoxXYXY {
  const wa = boxWidth(reference);
  const ha = boxHeight(reference);
  const cx = (reference.x0 + reference.x1) / 2 + dx * wa;
  const cy = (reference.y0 + reference.y1) / 2 + dy * ha;
  const w = wa * Math.exp(Math.min(dw, MAX_LOG_RATIO));
  const h = ha * Math.exp(Math.min(dh, MAX_LOG_RATIO));
  return { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 };
}

/** The box cut to the frame [0, width) × [0, height) (possibly empty). */
export function clipBox(b: BoxXYXY, width: number, height: number): BoxXYXY {
  const x0 = Math.min(Math.max(b.x0, 0), width);
  const y0 = Math.min(Math.max(b.y0, 0), height);
  return { x0, y0, x1: Math.min(Math.max(b.x1, x0), width), y1: Math.min(Math.max(b.y1, y0), height) };
}

/** Throws unless `b` is four finite numbers with x0 ≤ x1 and y0 ≤ y1. */
export function checkBox(b: BoxXYXY, where: string): void {
  const ok =
    b !== null &&
    typeof b === 'object' &&
    [b.x0, b.y0, b.x1, b.y1].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    b.x0 <= b.x1 &&
    b.y0 <= b.y1;
  if (!ok) throw new RangeError(`${where}: a box needs finite x0 <= x1 and y0 <= y1, got ${JSON.stringify(b)}`);
}
