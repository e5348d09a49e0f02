// What a network's layers hold and compute: first-layer filters as images, a layer's activation
// maps, maximally activating patches over a dataset and nearest neighbours in feature space.
// cs231n ch. 11.
import * as tf from '@tensorflow/tfjs';
import type { Frame } from '../../../envs/render/scene.js';
import { checkImage, imageTensor, layerModel, type ImageBatch, type ImageInput } from './input.js';
import { tileFrames, type FloatMap } from './map.js';

function scaleUp(f: Frame, s: number): Frame {
  if (s === 1) return f;
  const W = f.width * s;
  const data = new Uint8Array(W * f.height * s * 3);
  for (let y = 0; y < f.height * s; y++)
    for (let x = 0; x < W; x++) data.set(f.data.subarray(((Math.floor(y / s) * f.width) + Math.floor(x / s)) * 3, ((Math.floor(y / s) * f.width) + Math.floor(x / s)) * 3 + 3), (y * W + x) * 3);
  return { width: W, height: f.height * s, data };
}

/**
 * The first conv layer's filters as one tiled image, each filter stretched to 0 … 255 by its own
 * range: RGB when it reads 3 channels, otherwise one grey tile per (filter, input channel), a
 * filter a row. `scale` enlarges each kernel pixel.
 */
export function firstLayerFilters(model: tf.LayersModel, scale = 4): Frame {
  const conv = model.layers.find((l) => l.getClassName() === 'Conv2D');
  if (!conv) throw new Error(`firstLayerFilters: ${model.name} has no Conv2D layer`);
  const kernel = conv.getWeights()[0]!;
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const k = kernel.dataSync() as Float32Array;
  const at = (y: number, x: number, i: number, o: number) => k[((y * kw + x) * cin + i) * cout + o]!;
  const tiles: Frame[] = [];
  const rgb = cin === 3;
  for (let o = 0; o < cout; o++) {
    const groups = rgb ? [[0, 1, 2]] : Array.from({ length: cin }, (_, i) => [i, i, i]);
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) {
      lo = Math.min(lo, at(y, x, i, o));
      hi = Math.max(hi, at(y, x, i, o));
    }
    const span = hi > lo ? hi - lo : 1;
    for (const g of groups) {
      const data = new Uint8Array(kh * kw * 3);
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let ch = 0; ch < 3; ch++) data[(y * kw + x) * 3 + ch] = Math.round((255 * (at(y, x, g[ch]!, o) - lo)) / span);
      tiles.push(scaleUp({ width: kw, height: kh, data }, scale));
    }
  }
  // One tile per filter (RGB or single-channel) goes in a square-ish grid; several channels, a filter a row.
  return tileFrames(tiles, rgb || cin === 1 ? Math.ceil(Math.sqrt(cout)) : cin);
}

/** The activations of layer `layerName` for one image: one map per channel (a dense layer gives 1×units). */
export function activationMaps(model: tf.LayersModel, layerName: string, image: ImageInput): FloatMap[] {
  checkImage(image, 'activationMaps');
  const sub = layerModel(model, layerName);
  const a = tf.tidy(() => {
    const out = sub.predict(imageTensor(image)) as tf.Tensor;
    return out.rank === 4 ? tf.transpose(tf.squeeze(out, [0]), [2, 0, 1]) : tf.reshape(out, [1, 1, -1]);
  });
  const [c, h, w] = a.shape as [number, number, number];
  const data = a.dataSync() as Float32Array;
  a.dispose();
  return Array.from({ length: c }, (_, i) => ({ width: w, height: h, data: data.slice(i * h * w, (i + 1) * h * w) }));
}

/** The input-pixel region one unit of a layer sees (ends exclusive, clipped to the image). */
export interface ReceptiveBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Field {
  size: number;
  jump: number;
  start: number;
}

/**
 * The receptive field of units of `layerName`, from the kernel sizes, strides and paddings of the
 * conv and pooling layers before it (Araujo et al. 2019, "Computing receptive fields of CNNs").
 */
export function receptiveField(model: tf.LayersModel, layerName: string): { y: Field; x: Field } {
  const f: { y: Field; x: Field } = { y: { size: 1, jump: 1, start: 0 }, x: { size: 1, jump: 1, start: 0 } };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as { kernelSize?: number[] | number; poolSize?: number[] | number; strides?: number[] | number; padding?: string; dilationRate?: number | number[] };
    const size = cls === 'Conv2D' ? cfg.kernelSize : cls === 'MaxPooling2D' || cls === 'AveragePooling2D' ? cfg.poolSize : undefined;
    if (size !== undefined) {
      const pair = (v: number[] | number | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0]!, v[1]!]);
      const [kh, kw] = pair(size, 1);
      const [sh, sw] = pair(cfg.strides ?? size, 1);
      const [dh, dw] = pair(cfg.dilationRate, 1);
      const step = (a: Field, k: number, s: number, d: number): Field => {
        const ke = (k - 1) * d + 1;
        const pad = cfg.padding === 'same' ? Math.floor((ke - 1) / 2) : 0;
        return { size: a.size + (ke - 1) * a.jump, jump: a.jump * s, start: a.start - pad * a.jump };
      };
      f.y = step(f.y, kh, sh, dh);
      f.x = step(f.x, kw, sw, dw);
    }
    if (layer.name === layerName) return f;
  }
  throw new Error(`receptiveField: no layer '${layerName}' in ${model.name}`);
}

export interface ActivatingPatch {
  /** Image index in the batch. */
  index: number;
  /** Unit position in the layer's map. */
  y: number;
  x: number;
  value: number;
  /** The input region the unit sees. */
  box: ReceptiveBox;
}

/**
 * The `k` largest activations of channel `channel` of a conv layer over a batch of images, each
 * with its receptive box (one per image and position; the same image may appear several times).
 */
export function maxActivatingPatches(model: tf.LayersModel, layerName: string, channel: number, images: ImageBatch, k = 8, batch = 64): ActivatingPatch[] {
  const [n, h, w, c] = images.shape;
  const sub = layerModel(model, layerName);
  const found: ActivatingPatch[] = [];
  const rf = receptiveField(model, layerName);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const a = tf.tidy(() => {
      const out = sub.predict(tf.tensor4d(images.data.subarray(s * h * w * c, (s + m) * h * w * c), [m, h, w, c])) as tf.Tensor;
      if (out.rank !== 4) throw new Error(`maxActivatingPatches: layer '${layerName}' is not a conv map`);
      if (!Number.isInteger(channel) || channel < 0 || channel >= out.shape[3]!) throw new RangeError(`maxActivatingPatches: channel ${channel} out of range`);
      return tf.squeeze(tf.slice(out, [0, 0, 0, channel], [-1, -1, -1, 1]), [3]);
    });
    const [, oh, ow] = a.shape as [number, number, number];
    const v = a.dataSync() as Float32Array;
    a.dispose();
    for (let i = 0; i < v.length; i++) {
      const value = v[i]!;
      if (found.length === k && value <= found[k - 1]!.value) continue;
      const index = s + Math.floor(i / (oh * ow));
      const y = Math.floor((i % (oh * ow)) / ow);
      const x = i % ow;
      const y0 = rf.y.start + y * rf.y.jump;
      const x0 = rf.x.start + x * rf.x.jump;
      const box = { y0: Math.max(0, y0), x0: Math.max(0, x0), y1: Math.min(h, y0 + rf.y.size), x1: Math.min(w, x0 + rf.x.size) };
      found.push({ index, y, x, value, box });
      found.sort((p, q) => q.value - p.value);
      if (found.length > k) found.pop();
    }
  }
  return found;
}

/** Cuts a box out of an RGB frame. */
export function cropFrame(frame: Frame, box: ReceptiveBox): Frame {
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(frame.data.subarray(((box.y0 + y) * frame.width + box.x0) * 3, ((box.y0 + y) * frame.width + box.x1) * 3), y * w * 3);
  return { width: w, height: h, data };
}

/** Features of a batch at layer `layerName` (default: the model's output), flattened: [n, d] row-major. */
export function embedBatch(model: tf.LayersModel, images: ImageBatch, layerName?: string, batch = 64): { data: Float32Array; dim: number } {
  const [n, h, w, c] = images.shape;
  const sub = layerName === undefined ? model : layerModel(model, layerName);
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const f = tf.tidy(() => tf.reshape(sub.predict(tf.tensor4d(images.data.subarray(s * h * w * c, (s + m) * h * w * c), [m, h, w, c])) as tf.Tensor, [m, -1]));
    dim = f.shape[1]!;
    parts.push(f.dataSync() as Float32Array);
    f.dispose();
  }
  const data = new Float32Array(n * dim);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, dim };
}

/** Indices of the `k` rows of `features` ([n, dim]) nearest to `query` in L2 distance, nearest first. */
export function nearestNeighbours(features: Float32Array, dim: number, query: ArrayLike<number>, k: number, exclude: readonly number[] = []): { index: number; distance: number }[] {
  if (query.length !== dim || features.length % dim !== 0) throw new RangeError('nearestNeighbours: dimensions disagree');
  const skip = new Set(exclude);
  const all: { index: number; distance: number }[] = [];
  for (let i = 0; i < features.length / dim; i++) {
    if (skip.has(i)) continue;
    let d = 0;
    for (let j = 0; j < dim; j++) {
      const e = features[i * dim + j]! - query[j]!;
      d += e * e;
    }
    all.push({ index: i, distance: Math.sqrt(d) });
  }
  return all.sort((a, b) => a.distance - b.distance).slice(0, k);
}
