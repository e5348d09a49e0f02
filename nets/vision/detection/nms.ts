// Greedy non-maximum suppression (cs231n ch. 10.3; as in R-CNN and Faster R-CNN): keep the best-scoring
// box, drop every remaining box overlapping it by more than the threshold, repeat.
import { checkBox, iou, type BoxXYXY } from './boxes.js';

export interface NmsOptions {
  /** Keep at most this many boxes. Default: no limit. */
  maxOutput?: number;
  /** Ignore boxes scoring below this. Default: none ignored. */
  scoreThreshold?: number;
}

/**
 * Indices of the boxes kept, best score first. A box is suppressed when its IoU with a kept,
 * higher-scoring box is greater than `iouThreshold` (equal ties are kept, as tf.image.nonMaxSuppression).
 * Equal scores keep the lower index first.
 */
export function nms(boxes: readonly BoxXYXY[], scores: ArrayLike<number>, iouThreshold: number, options: NmsOptions = {}): number[] {
  if (boxes.length !== scores.length) throw new RangeError(`nms: ${boxes.length} boxes but ${scores.length} scores`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`nms: iouThreshold must be in [0, 1], got ${iouThreshold}`);
  const maxOutput = options.maxOutput ?? Infinity;
  if (!(maxOutput >= 0)) throw new RangeError(`nms: maxOutput must be >= 0, got ${maxOutput}`);
  const minScore = options.scoreThreshold ?? -Infinity;
  boxes.forEach((b, i) => checkBox(b, `nms: box ${i}`));
  const order: number[] = [];
  for (let i = 0; i < boxes.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new RangeError(`nms: score ${i} is NaN`);
    if (s >= minScore) order.push(i);
  }
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    const box = boxes[i]!;
    let suppressed = false;
    for (const k of kept) {
      if (iou(box, boxes[k]!) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}
