// Mean average precision, the PASCAL VOC measure (Everingham et al. 2010; all-points interpolation as in
// VOC 2010 onwards): per class, rank every detection by score, mark each a true positive when it
// overlaps a not-yet-matched ground-truth box of its class by IoU ≥ threshold, and take the area under
// the precision–recall curve after making precision non-increasing in recall.
import { checkBox, iou, type Detection, type LabeledBox } from './boxes.js';

export interface MeanAveragePrecisionResult {
  /** Mean of the per-class APs over classes with at least one ground-truth object (NaN if none has). */
  map: number;
  /** AP per class, null for classes without ground truth (they do not count in the mean). */
  perClass: (number | null)[];
}

/**
 * Average precision from a ranked list of true/false positive flags and the number of ground-truth
 * objects: the area under the interpolated precision–recall curve (precision at recall r is the
 * best precision at any recall ≥ r), summed at every recall step.
 */
export function averagePrecision(isTruePositive: readonly boolean[], numGroundTruth: number): number {
  if (!(Number.isInteger(numGroundTruth) && numGroundTruth > 0)) {
    throw new RangeError(`averagePrecision: numGroundTruth must be a positive integer, got ${numGroundTruth}`);
  }
  const n = isTruePositive.length;
  const recall = new Float64Array(n);
  const precision = new Float64Array(n);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (isTruePositive[i]) tp++;
    recall[i] = tp / numGroundTruth;
    precision[i] = tp / (i + 1);
  }
  for (let i = n - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < n; i++) {
    ap += (recall[i]! - prevRecall) * precision[i]!;
    prevRecall = recall[i]!;
  }
  return ap;
}

function checkClass(classId: number, numClasses: number, where: string): void {
  if (!(Number.isInteger(classId) && classId >= 0 && classId < numClasses)) {
    throw new RangeError(`${where}: classId must be an integer in [0, ${numClasses}), got ${classId}`);
  }
}

/**
 * mAP over a set of images: `detections[i]` and `groundTruth[i]` are the detections and the true
 * objects of image i. A detection matches the unmatched true box of its class it overlaps most;
 * a second detection of an already matched box is a false positive.
 */
export function meanAveragePrecision(
  detections: readonly (readonly Detection[])[],
  groundTruth: readonly (readonly LabeledBox[])[],
  numClasses: number,
  iouThreshold = 0.5,
): MeanAveragePrecisionResult {
  if (detections.length !== groundTruth.length) {
    throw new RangeError(`meanAveragePrecision: ${detections.length} images of detections but ${groundTruth.length} of ground truth`);
  }
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new RangeError(`meanAveragePrecision: numClasses must be a positive integer, got ${numClasses}`);
  if (!(iouThreshold > 0 && iouThreshold <= 1)) throw new RangeError(`meanAveragePrecision: iouThreshold must be in (0, 1], got ${iouThreshold}`);
  groundTruth.forEach((objs, i) =>
    objs.forEach((o, j) => {
      checkClass(o.classId, numClasses, `meanAveragePrecision: ground truth ${j} of image ${i}`);
      checkBox(o.box, `meanAveragePrecision: ground truth ${j} of image ${i}`);
    }),
  );
  detections.forEach((dets, i) =>
    dets.forEach((d, j) => {
      checkClass(d.classId, numClasses, `meanAveragePrecision: detection ${j} of image ${i}`);
      checkBox(d.box, `meanAveragePrecision: detection ${j} of image ${i}`);
      if (!Number.isFinite(d.score)) throw new RangeError(`meanAveragePrecision: detection ${j} of image ${i} has score ${d.score}`);
    }),
  );

  const perClass: (number | null)[] = [];
  for (let c = 0; c < numClasses; c++) {
    let numGroundTruth = 0;
    const matched = groundTruth.map((objs) => objs.map((o) => (o.classId === c ? (numGroundTruth++, false) : true)));
    if (numGroundTruth === 0) {
      perClass.push(null);
      continue;
    }
    const ranked: { image: number; det: Detection }[] = [];
    detections.forEach((dets, image) => dets.forEach((det) => det.classId === c && ranked.push({ image, det })));
    // Stable sort: equal scores keep image order, so results do not depend on the engine.
    ranked.sort((a, b) => b.det.score - a.det.score);
    const flags = ranked.map(({ image, det }) => {
      const objs = groundTruth[image]!;
      let best = -1;
      let bestIou = 0;
      objs.forEach((o, j) => {
        if (o.classId !== c) return;
        const v = iou(det.box, o.box);
        if (v > bestIou) {
          bestIou = v;
          best = j;
        }
      });
      if (best < 0 || bestIou < iouThreshold || matched[image]![best]) return false;
      matched[image]![best] = true;
      return true;
    });
    perClass.push(averagePrecision(flags, numGroundTruth));
  }
  const counted = perClass.filter((ap): ap is number => ap !== null);
  const map = counted.length > 0 ? counted.reduce((a, b) => a + b, 0) / counted.length : NaN;
  return { map, perClass };
}
