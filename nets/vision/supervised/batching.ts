import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../../envs/rng.js';

/** One epoch's minibatches: a seeded shuffle of 0 … n − 1 cut into batches (the last may be smaller). */
export function minibatches(n: number, batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const out: number[][] = [];
  for (let s = 0; s < n; s += batchSize) out.push(order.slice(s, s + batchSize));
  return out;
}

/** Rows `idx` of a flat [N, d] array, copied into one tensor of shape [idx.length, ...rowShape]. */
export function gatherRows(values: Float32Array, idx: readonly number[], rowShape: readonly number[]): tf.Tensor {
  const d = rowShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(idx.length * d);
  idx.forEach((i, j) => out.set(values.subarray(i * d, (i + 1) * d), j * d));
  return tf.tensor(out, [idx.length, ...rowShape]);
}
