import type { ImageShape } from '../../modules/types.js';

/** Images with one class label each: the input of every classifier here. */
export interface LabeledImages {
  /** Float32 [N, H, W, C], values in [0, 1]. */
  readonly images: Float32Array;
  /** [H, W, C] of one image. */
  readonly shape: ImageShape;
  /** Class of each image, 0 … numClasses − 1. */
  readonly labels: Int32Array;
  readonly numClasses: number;
  /**
   * Optional group of each image (e.g. its episode): cross-validation keeps a group in one fold,
   * since neighbouring frames of an episode are near copies and would leak across folds.
   */
  readonly groups?: Int32Array;
}

/** Values in one image. */
export function imageSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

/** How many images a flat [N, H, W, C] array holds (a clear error when it is not a whole number). */
export function imageCount(images: Float32Array, shape: ImageShape, where: string): number {
  checkShape(shape, where);
  const d = imageSize(shape);
  if (!(images instanceof Float32Array)) throw new TypeError(`${where}: images must be a Float32Array`);
  if (images.length % d !== 0) throw new RangeError(`${where}: ${images.length} values are not whole images of [${shape.join(', ')}]`);
  return images.length / d;
}

export function checkShape(shape: ImageShape, where: string): void {
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 1))
    throw new RangeError(`${where}: image shape must be [H, W, C] of positive integers, got ${JSON.stringify(shape)}`);
}

/** Checks sizes and label ranges; returns N. */
export function checkLabeled(data: LabeledImages, where: string): number {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${where}: expected labelled images`);
  const n = imageCount(data.images, data.shape, where);
  if (!Number.isInteger(data.numClasses) || data.numClasses < 2) throw new RangeError(`${where}: numClasses must be an integer ≥ 2, got ${String(data.numClasses)}`);
  if (!(data.labels instanceof Int32Array) || data.labels.length !== n) throw new RangeError(`${where}: need ${n} labels in an Int32Array`);
  for (let i = 0; i < n; i++) {
    const y = data.labels[i]!;
    if (y < 0 || y >= data.numClasses) throw new RangeError(`${where}: label ${y} of image ${i} is outside 0 … ${data.numClasses - 1}`);
  }
  if (n === 0) throw new RangeError(`${where}: no images`);
  if (data.groups !== undefined && (!(data.groups instanceof Int32Array) || data.groups.length !== n)) throw new RangeError(`${where}: need ${n} groups in an Int32Array`);
  return n;
}

/** The images and labels at `indices`, copied. */
export function selectLabeled(data: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  const d = imageSize(data.shape);
  const n = data.labels.length;
  const images = new Float32Array(indices.length * d);
  const labels = new Int32Array(indices.length);
  const groups = data.groups ? new Int32Array(indices.length) : undefined;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`selectLabeled: index ${String(i)} outside 0 … ${n - 1}`);
    images.set(data.images.subarray(i * d, (i + 1) * d), j * d);
    labels[j] = data.labels[i]!;
    if (groups) groups[j] = data.groups![i]!;
  }
  return { images, shape: data.shape, labels, numClasses: data.numClasses, ...(groups && { groups }) };
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  if (predicted.length !== labels.length || labels.length === 0) throw new RangeError(`accuracy: ${predicted.length} predictions for ${labels.length} labels`);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}
