// Transpose for wasm when it is a (batched) matrix transpose of floats: one SIMD pass of 4x4 lane
// shuffles. The back end's generic kernel walks element by element; matmul rewrites and the conv
// filter gradient lean on transposes, so this is on the hot path. Other permutations fall through.
import type * as tf from '@tensorflow/tfjs';
import { byteOffset } from './heap.js';
import type { WasmBackendLike } from './scope.js';
import { simdKernels } from './simd/module.js';

/** out[b, c, r, e] = in[b, r, c, e]: what a permutation does once unit axes drop and runs merge. */
export interface BatchedSwap {
  batch: number;
  rows: number;
  cols: number;
  inner: number;
}

export function batchedSwap(shape: number[], perm: number[]): BatchedSwap | null {
  // Drop unit axes, renumbering the rest.
  const kept = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const renumber = new Map(kept.map((axis, k) => [axis, k]));
  const dims = kept.map((i) => shape[i]!);
  const p = perm.filter((a) => shape[a] !== 1).map((a) => renumber.get(a)!);
  // Merge output axes that are consecutive input axes into groups.
  const groups: number[][] = [];
  for (const a of p) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === a) last.push(a);
    else groups.push([a]);
  }
  const size = (g: number[]): number => g.reduce((n, a) => n * dims[a]!, 1);
  // Each group's rank in input order.
  const order = groups.map((g) => groups.filter((h) => h[0]! < g[0]!).length);
  const byInput = [...groups].sort((g, h) => g[0]! - h[0]!).map(size);
  const key = order.join(',');
  if (key === '1,0') return { batch: 1, rows: byInput[0]!, cols: byInput[1]!, inner: 1 };
  if (key === '0,2,1') return { batch: byInput[0]!, rows: byInput[1]!, cols: byInput[2]!, inner: 1 };
  if (key === '1,0,2') return { batch: 1, rows: byInput[0]!, cols: byInput[1]!, inner: byInput[2]! };
  if (key === '0,2,1,3') return { batch: byInput[0]!, rows: byInput[1]!, cols: byInput[2]!, inner: byInput[3]! };
  return null;
}

/** The transposed tensor, or null when this permutation or shape is not one we speed up. */
export function fastTranspose(backend: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const plan = batchedSwap(x.shape, perm);
  if (!plan || plan.inner !== 1 || plan.rows % 4 !== 0 || plan.cols % 4 !== 0) return null;
  const k = simdKernels(backend.wasm.asm?.memory ?? backend.wasm.wasmMemory);
  if (!k) return null;
  const out = backend.makeOutput(perm.map((a) => x.shape[a]!), 'float32');
  const src = byteOffset(backend, x);
  const dst = byteOffset(backend, out);
  const bytes = plan.rows * plan.cols * 4;
  for (let b = 0; b < plan.batch; b++) k.transpose(src + b * bytes, dst + b * bytes, plan.rows, plan.cols);
  return out;
}
