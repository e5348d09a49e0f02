// Intersection over union per class of two label maps, and their mean: the standard semantic
// segmentation score (Long et al. 2015, "Fully Convolutional Networks for Semantic Segmentation", §5).

export interface MeanIoUResult {
  /** Mean over classes present in the prediction or the target (NaN if none is). */
  meanIoU: number;
  /** |pred = c ∧ target = c| / |pred = c ∨ target = c| per class; null when c is in neither. */
  perClass: (number | null)[];
  /** Fraction of pixels labelled right. */
  pixelAccuracy: number;
}

/**
 * Scores predicted labels against true ones, pixel by pixel (both flat, the same length: one map or
 * many maps laid end to end). Labels must be integers in [0, numClasses).
 */
export function meanIoU(pred: ArrayLike<number>, target: ArrayLike<number>, numClasses: number): MeanIoUResult {
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new RangeError(`meanIoU: numClasses must be a positive integer, got ${numClasses}`);
  if (pred.length !== target.length) throw new RangeError(`meanIoU: ${pred.length} predicted labels but ${target.length} true ones`);
  if (pred.length === 0) throw new RangeError('meanIoU: no pixels');
  const inter = new Float64Array(numClasses);
  const predCount = new Float64Array(numClasses);
  const targetCount = new Float64Array(numClasses);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!;
    const t = target[i]!;
    if (!(Number.isInteger(p) && p >= 0 && p < numClasses) || !(Number.isInteger(t) && t >= 0 && t < numClasses)) {
      throw new RangeError(`meanIoU: labels must be integers in [0, ${numClasses}), got ${p} (predicted) and ${t} (true) at ${i}`);
    }
    predCount[p]++;
    targetCount[t]++;
    if (p === t) inter[p]++;
  }
  const perClass: (number | null)[] = [];
  let sum = 0;
  let counted = 0;
  let correct = 0;
  for (let c = 0; c < numClasses; c++) {
    const union = predCount[c]! + targetCount[c]! - inter[c]!;
    correct += inter[c]!;
    if (union === 0) {
      perClass.push(null);
      continue;
    }
    const v = inter[c]! / union;
    perClass.push(v);
    sum += v;
    counted++;
  }
  return { meanIoU: counted > 0 ? sum / counted : NaN, perClass, pixelAccuracy: correct / pred.length };
}
