// Occlusion sensitivity (Zeiler & Fergus 2014, "Visualizing and understanding convolutional
// networks"): slide a grey patch over the image and record how much the chosen output drops.
import * as tf from '@tensorflow/tfjs';
import { checkImage, checkModelFor, type ImageInput } from './input.js';
import type { FloatMap } from './map.js';

export interface OcclusionOptions {
  /** Patch side in pixels. Default: a fifth of the shorter side, at least 1. */
  patch?: number;
  /** Step between patch positions. Default: half the patch, at least 1. */
  stride?: number;
  /** Value written into the patch. Default: the image's mean (a "grey" patch of its own scale). */
  fill?: number;
  /** Occluded copies per forward pass (memory bound). Default 64. */
  batch?: number;
}

function positions(size: number, patch: number, stride: number): number[] {
  const out: number[] = [];
  for (let p = 0; p + patch <= size; p += stride) out.push(p);
  // The last patch touches the far edge so every pixel is covered.
  if (out[out.length - 1] !== size - patch) out.push(size - patch);
  return out;
}

/**
 * Each pixel gets the mean drop score(image) − score(occluded) over the patches that cover it:
 * positive where hiding the pixel lowers output `target`.
 */
export function occlusionMap(model: tf.LayersModel, image: ImageInput, target: number, opts: OcclusionOptions = {}): FloatMap {
  checkImage(image, 'occlusionMap');
  checkModelFor(model, image.shape, 'occlusionMap');
  const [h, w, c] = image.shape;
  const patch = opts.patch ?? Math.max(1, Math.floor(Math.min(h, w) / 5));
  const stride = opts.stride ?? Math.max(1, Math.floor(patch / 2));
  if (!Number.isInteger(patch) || patch < 1 || patch > Math.min(h, w)) throw new RangeError(`occlusionMap: patch must be an integer in 1 … ${Math.min(h, w)}`);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError('occlusionMap: stride must be a positive integer');
  const batch = opts.batch ?? 64;
  const src = Float32Array.from(image.data);
  let fill = opts.fill;
  if (fill === undefined) {
    let s = 0;
    for (const v of src) s += v;
    fill = s / src.length;
  }
  const spots: [number, number][] = [];
  for (const y of positions(h, patch, stride)) for (const x of positions(w, patch, stride)) spots.push([y, x]);
  const size = h * w * c;
  const scoreOf = (data: Float32Array, n: number): Float32Array => {
    const t = tf.tidy(() => {
      const out = model.predict(tf.tensor4d(data, [n, h, w, c])) as tf.Tensor;
      const k = out.shape[out.shape.length - 1]!;
      if (!Number.isInteger(target) || target < 0 || target >= k) throw new RangeError(`occlusionMap: target ${target} is not an output index in 0 … ${k - 1}`);
      return tf.reshape(tf.slice(tf.reshape(out, [n, -1]), [0, target], [n, 1]), [n]);
    });
    const v = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    return v;
  };
  const base = scoreOf(src, 1)[0]!;
  const sum = new Float32Array(h * w);
  const count = new Float32Array(h * w);
  const buf = new Float32Array(batch * size);
  for (let start = 0; start < spots.length; start += batch) {
    const n = Math.min(batch, spots.length - start);
    for (let j = 0; j < n; j++) {
      const [py, px] = spots[start + j]!;
      const img = buf.subarray(j * size, (j + 1) * size);
      img.set(src);
      for (let y = py; y < py + patch; y++) img.fill(fill, (y * w + px) * c, (y * w + px + patch) * c);
    }
    const scores = scoreOf(buf.subarray(0, n * size), n);
    for (let j = 0; j < n; j++) {
      const [py, px] = spots[start + j]!;
      const drop = base - scores[j]!;
      for (let y = py; y < py + patch; y++) {
        for (let x = px; x < px + patch; x++) {
          sum[y * w + x]! += drop;
          count[y * w + x]! += 1;
        }
      }
    }
  }
  for (let i = 0; i < sum.length; i++) sum[i] = count[i]! > 0 ? sum[i]! / count[i]! : 0;
  return { width: w, height: h, data: sum };
}
