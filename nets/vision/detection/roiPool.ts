// RoI max pooling (Girshick 2015, "Fast R-CNN", §2.1; cs231n ch. 10.3): each region of interest is
// projected onto the feature map, split into an outputSize × outputSize grid of bins, and each bin
// max-pooled per channel, giving a fixed-size input for the per-region head whatever the box size.
// A custom op: the forward pass remembers which feature won every bin, and the gradient routes each
// output gradient back to its winner (summing where bins or regions share one), as max pooling does.
// The box coordinates are quantized, so there is no gradient with respect to them (as in Fast R-CNN).
import * as tf from '@tensorflow/tfjs';
import { checkBox, type BoxXYXY } from './boxes.js';

/** A region of interest: which image of the batch, and a box in image pixels. */
export interface Roi {
  batchIndex: number;
  box: BoxXYXY;
}

export interface RoiPoolOptions {
  /** Bins per side of the output grid. */
  outputSize: number;
  /** Feature-map cells per image pixel (1 / the backbone's stride). */
  spatialScale: number;
}

/** The feature-map window a box covers: rows r0 … r1 − 1, columns c0 … c1 − 1 (never empty). */
export interface FeatureWindow {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/**
 * The window of feature cells a pixel box touches at `scale`, clamped into the map and at least one
 * cell in each direction (a box outside the map pools its nearest edge cells).
 */
export function roiWindow(box: BoxXYXY, scale: number, rows: number, cols: number): FeatureWindow {
  const r0 = Math.min(Math.max(Math.floor(box.y0 * scale), 0), rows - 1);
  const c0 = Math.min(Math.max(Math.floor(box.x0 * scale), 0), cols - 1);
  const r1 = Math.min(Math.max(Math.ceil(box.y1 * scale), r0 + 1), rows);
  const c1 = Math.min(Math.max(Math.ceil(box.x1 * scale), c0 + 1), cols);
  return { r0, r1, c0, c1 };
}

/** Start and end (exclusive) of bin i of n over [start, end): neighbouring bins may share a cell. */
function binRange(start: number, end: number, i: number, n: number): [number, number] {
  const len = end - start;
  return [start + Math.floor((i * len) / n), start + Math.ceil(((i + 1) * len) / n)];
}

function checkInputs(features: tf.Tensor, rois: readonly Roi[], options: RoiPoolOptions): void {
  if (features.rank !== 4) throw new RangeError(`roiMaxPool: features must be [batch, rows, cols, channels], got [${features.shape.join(', ')}]`);
  if (features.dtype !== 'float32') throw new TypeError(`roiMaxPool: features must be float32, got ${features.dtype}`);
  const { outputSize, spatialScale } = options;
  if (!(Number.isInteger(outputSize) && outputSize > 0)) throw new RangeError(`roiMaxPool: outputSize must be a positive integer, got ${outputSize}`);
  if (!(Number.isFinite(spatialScale) && spatialScale > 0)) throw new RangeError(`roiMaxPool: spatialScale must be positive, got ${spatialScale}`);
  const batch = features.shape[0]!;
  rois.forEach((r, i) => {
    if (!(Number.isInteger(r.batchIndex) && r.batchIndex >= 0 && r.batchIndex < batch)) {
      throw new RangeError(`roiMaxPool: roi ${i} has batchIndex ${r.batchIndex}, outside [0, ${batch})`);
    }
    checkBox(r.box, `roiMaxPool: roi ${i}`);
  });
}

/**
 * Max-pools every region of `features` [batch, rows, cols, channels] to
 * [rois.length, outputSize, outputSize, channels]. Differentiable with respect to `features`.
 */
export function roiMaxPool(features: tf.Tensor4D, rois: readonly Roi[], options: RoiPoolOptions): tf.Tensor4D {
  checkInputs(features, rois, options);
  const [, rows, cols, channels] = features.shape;
  const p = options.outputSize;
  if (rois.length === 0) return tf.zeros([0, p, p, channels]);
  const windows = rois.map((r) => roiWindow(r.box, options.spatialScale, rows, cols));
  const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const data = x.dataSync();
    const count = rois.length * p * p * channels;
    const values = new Float32Array(count);
    // Flat index into x of each output's winner.
    const winners = new Int32Array(count);
    let k = 0;
    rois.forEach((roi, n) => {
      const w = windows[n]!;
      const imageBase = roi.batchIndex * rows * cols * channels;
      for (let bi = 0; bi < p; bi++) {
        const [ra, rb] = binRange(w.r0, w.r1, bi, p);
        for (let bj = 0; bj < p; bj++) {
          const [ca, cb] = binRange(w.c0, w.c1, bj, p);
          for (let ch = 0; ch < channels; ch++, k++) {
            let best = imageBase + (ra * cols + ca) * channels + ch;
            for (let r = ra; r < rb; r++) {
              for (let c = ca; c < cb; c++) {
                const idx = imageBase + (r * cols + c) * channels + ch;
                if (data[idx]! > data[best]!) best = idx;
              }
            }
            winners[k] = best;
            values[k] = data[best]!;
          }
        }
      }
    });
    const value = tf.tensor4d(values, [rois.length, p, p, channels]);
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const g = dy.dataSync();
      const dx = new Float32Array(x.size);
      for (let i = 0; i < count; i++) {
        const j = winners[i]!;
        dx[j] = dx[j]! + g[i]!;
      }
      return tf.tensor(dx, x.shape, 'float32');
    };
    return { value, gradFunc };
  });
  return pool(features) as tf.Tensor4D;
}
