// Training targets of a region proposal network (Ren et al. 2015, "Faster R-CNN", §3.1.2): an anchor is
// positive when it overlaps a true box by IoU ≥ positiveIoU or is some box's best anchor, negative
// below negativeIoU, ignored in between; a minibatch of anchors is sampled with at most half positives.
import type { Rng } from '../../../envs/rng.js';
import { encodeDelta, iou, type BoxXYXY } from './boxes.js';
import { sampleWithoutReplacement } from './sampling.js';

export interface AnchorSampling {
  /** Anchors sampled per image. */
  batchSize: number;
  /** Largest fraction of positives in the sample (the rest negatives). */
  positiveFraction: number;
  positiveIoU: number;
  negativeIoU: number;
}

/** Per-anchor targets, in anchor order, for one image. */
export interface AnchorTargets {
  /** 1 for a positive anchor, 0 otherwise. */
  objectness: Float32Array;
  /** 1 for anchors in the sample (positive or negative), 0 for the rest. */
  sampled: Float32Array;
  /** (dx, dy, log dw, log dh) to the matched box, 4 per anchor; zero except for positives. */
  deltas: Float32Array;
  /** 1 in all four slots of sampled positives. */
  deltaWeights: Float32Array;
  positives: number;
  negatives: number;
}

/** Labels and samples the anchors of one image against its true boxes (none: all negatives). */
export function anchorTargets(anchors: readonly BoxXYXY[], truth: readonly BoxXYXY[], sampling: AnchorSampling, rng: Rng): AnchorTargets {
  const n = anchors.length;
  const best = new Float64Array(n); // best IoU of each anchor
  const match = new Int32Array(n).fill(-1);
  const bestOfTruth = new Float64Array(truth.length);
  const overlaps: Float64Array[] = truth.map(() => new Float64Array(n));
  truth.forEach((t, j) => {
    const row = overlaps[j]!;
    for (let i = 0; i < n; i++) {
      const v = iou(anchors[i]!, t);
      row[i] = v;
      if (v > best[i]!) {
        best[i] = v;
        match[i] = j;
      }
      if (v > bestOfTruth[j]!) bestOfTruth[j] = v;
    }
  });
  // 1 positive, 0 negative, -1 ignored.
  const label = new Int8Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (best[i]! < sampling.negativeIoU) label[i] = 0;
    if (best[i]! >= sampling.positiveIoU) label[i] = 1;
  }
  // Every true box gets its best anchors (ties included), however low their IoU, so small or oddly
  // shaped objects still have a positive.
  truth.forEach((t, j) => {
    const top = bestOfTruth[j]!;
    if (top <= 0) return;
    const row = overlaps[j]!;
    for (let i = 0; i < n; i++) {
      if (row[i] === top) {
        label[i] = 1;
        match[i] = j;
      }
    }
  });
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < n; i++) {
    if (label[i] === 1) pos.push(i);
    else if (label[i] === 0) neg.push(i);
  }
  const keepPos = sampleWithoutReplacement(pos, Math.floor(sampling.batchSize * sampling.positiveFraction), rng);
  const keepNeg = sampleWithoutReplacement(neg, sampling.batchSize - keepPos.length, rng);
  const out: AnchorTargets = {
    objectness: new Float32Array(n),
    sampled: new Float32Array(n),
    deltas: new Float32Array(n * 4),
    deltaWeights: new Float32Array(n * 4),
    positives: keepPos.length,
    negatives: keepNeg.length,
  };
  for (const i of keepNeg) out.sampled[i] = 1;
  for (const i of keepPos) {
    out.sampled[i] = 1;
    out.objectness[i] = 1;
    out.deltas.set(encodeDelta(anchors[i]!, truth[match[i]!]!), i * 4);
    out.deltaWeights.fill(1, i * 4, i * 4 + 4);
  }
  return out;
}
