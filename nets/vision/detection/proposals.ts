// Region proposals from RPN outputs (Ren et al. 2015, §3.3): apply each anchor's predicted delta, clip to
// the image, drop slivers, keep the best-scoring few, suppress overlaps, keep fewer still.
import { boxHeight, boxWidth, clipBox, decodeDelta, type BoxXYXY } from './boxes.js';
import { nms } from './nms.js';

export interface ProposalOptions {
  /** Image size in pixels. */
  width: number;
  height: number;
  /** Candidates kept by score before NMS. */
  preNmsTopN: number;
  /** Proposals kept after NMS. */
  postNmsTopN: number;
  nmsThreshold: number;
  /** Boxes narrower or lower than this (pixels, after clipping) are dropped. */
  minSize: number;
}

export interface Proposal {
  box: BoxXYXY;
  /** Objectness logit. */
  score: number;
}

/**
 * Proposals of one image. `logits` holds one objectness logit per anchor and `deltas` four numbers
 * per anchor, both read from `offset` anchors on (the image's slice of a batch).
 */
export function proposeRegions(
  anchors: readonly BoxXYXY[],
  logits: ArrayLike<number>,
  deltas: ArrayLike<number>,
  offset: number,
  options: ProposalOptions,
): Proposal[] {
  const n = anchors.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[offset + b]! - logits[offset + a]! || a - b);
  const boxes: BoxXYXY[] = [];
  const scores: number[] = [];
  for (const i of order) {
    if (boxes.length >= options.preNmsTopN) break;
    const d = (offset + i) * 4;
    const box = clipBox(decodeDelta(anchors[i]!, deltas[d]!, deltas[d + 1]!, deltas[d + 2]!, deltas[d + 3]!), options.width, options.height);
    if (!(boxWidth(box) >= options.minSize && boxHeight(box) >= options.minSize)) continue;
    boxes.push(box);
    scores.push(logits[offset + i]!);
  }
  return nms(boxes, scores, options.nmsThreshold, { maxOutput: options.postNmsTopN }).map((k) => ({ box: boxes[k]!, score: scores[k]! }));
}
