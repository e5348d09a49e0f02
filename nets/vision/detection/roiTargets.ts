// Training regions of the per-region head (Girshick 2015, "Fast R-CNN", §2.3): proposals plus the true
// boxes themselves, labelled with the class of the true box they overlap by IoU ≥ positiveIoU
// (background otherwise), sampled with at most a fixed fraction of foreground.
import type { Rng } from '../../../envs/rng.js';
import { encodeDelta, iou, type BoxXYXY, type LabeledBox } from './boxes.js';
import { sampleWithoutReplacement } from './sampling.js';

export interface RegionSampling {
  /** Regions sampled per image. */
  batchSize: number;
  /** Largest fraction of foreground regions. */
  positiveFraction: number;
  positiveIoU: number;
}

export interface RegionTarget {
  box: BoxXYXY;
  /** 0 for background, classId + 1 for an object. */
  label: number;
  /** Delta to the matched true box (foreground only), divided by the delta scale. */
  delta: [number, number, number, number] | null;
}

/**
 * Samples labelled regions of one image from `proposals` and the true objects. `deltaScale` divides
 * the regression targets (Fast R-CNN implementations normalize them to about unit variance).
 */
export function regionTargets(
  proposals: readonly BoxXYXY[],
  truth: readonly LabeledBox[],
  sampling: RegionSampling,
  deltaScale: readonly [number, number, number, number],
  rng: Rng,
): RegionTarget[] {
  const candidates = [...proposals, ...truth.map((t) => t.box)];
  const fg: RegionTarget[] = [];
  const bg: RegionTarget[] = [];
  for (const box of candidates) {
    if (!(box.x1 > box.x0 && box.y1 > box.y0)) continue;
    let best = -1;
    let bestIou = 0;
    truth.forEach((t, j) => {
      const v = iou(box, t.box);
      if (v > bestIou) {
        bestIou = v;
        best = j;
      }
    });
    if (best >= 0 && bestIou >= sampling.positiveIoU) {
      const t = truth[best]!;
      const d = encodeDelta(box, t.box);
      fg.push({ box, label: t.classId + 1, delta: [d[0] / deltaScale[0], d[1] / deltaScale[1], d[2] / deltaScale[2], d[3] / deltaScale[3]] });
    } else {
      bg.push({ box, label: 0, delta: null });
    }
  }
  const keepFg = sampleWithoutReplacement(fg, Math.round(sampling.batchSize * sampling.positiveFraction), rng);
  return [...keepFg, ...sampleWithoutReplacement(bg, sampling.batchSize - keepFg.length, rng)];
}
