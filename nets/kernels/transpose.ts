// Transpose for wasm in SIMD when the permutation is a (batched) matrix transpose, a transpose of
// blocks, or the conv filter gradient's three-group reversal. The back end's generic kernel walks
// element by element; matmul rewrites and the filter gradient lean on transposes, so this is on the
// hot path. Other permutations fall through to it.
import type * as tf from '@tensorflow/tfjs';
import { byteOffset, wasmMemoryOf } from './heap.js';
import type { WasmBackendLike } from './scope.js';
import { simdKernels } from './simd/module.js';

/**
 * What a permutation does once unit axes drop and runs of axes merge: a (batched) swap,
 * out[b, c, r, e] = in[b, r, c, e], or a reversal of three groups, out[c, b, a] = in[a, b, c] (the
 * conv filter gradient's [3, 1, 2, 0]).
 */
export type TransposePlan =
  | { kind: 'swap'; batch: number; rows: number; cols: number; inner: number }
  | { kind: 'reverse3'; a: number; b: number; c: number };

export function transposePlan(shape: number[], perm: number[]): TransposePlan | null {
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
  const s = [...groups].sort((g, h) => g[0]! - h[0]!).map(size);
  switch (order.join(',')) {
    case '1,0':
      return { kind: 'swap', batch: 1, rows: s[0]!, cols: s[1]!, inner: 1 };
    case '0,2,1':
      return { kind: 'swap', batch: s[0]!, rows: s[1]!, cols: s[2]!, inner: 1 };
    case '1,0,2':
      return { kind: 'swap', batch: 1, rows: s[0]!, cols: s[1]!, inner: s[2]! };
    case '0,2,1,3':
      return { kind: 'swap', batch: s[0]!, rows: s[1]!, cols: s[2]!, inner: s[3]! };
    case '2,1,0':
      return { kind: 'reverse3', a: s[0]!, b: s[1]!, c: s[2]! };
    default:
      return null;
  }
}

/** The transposed tensor, or null when this permutation or shape is not one we speed up. */
export function fastTranspose(backend: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const plan = transposePlan(x.shape, perm);
  const k = simdKernels(wasmMemoryOf(backend));
  if (!plan || !k) return null;
  const outShape = perm.map((a) => x.shape[a]!);
  if (plan.kind === 'swap') {
    const { batch, rows, cols, inner } = plan;
    const elementwise = inner === 1 && rows % 4 === 0 && cols % 4 === 0;
    if (!elementwise && inner % 4 !== 0) return null;
    const out = backend.makeOutput(outShape, 'float32');
    const src = byteOffset(backend, x);
    const dst = byteOffset(backend, out);
    const bytes = rows * cols * inner * 4;
    for (let b = 0; b < batch; b++) {
      if (elementwise) k.transpose(src + b * bytes, dst + b * bytes, rows, cols);
      else k.blockTranspose(src + b * bytes, dst + b * bytes, rows, cols, inner * 4);
    }
    return out;
  }
  // [a, b, c] -> [c, b, a] as [a, (b c)] -> [(b c), a] (matrix transpose), then [b, c, a] -> [c, b, a].
  const { a, b, c } = plan;
  if (a % 4 !== 0 || (b * c) % 4 !== 0) return null;
  const mid = backend.makeOutput([b, c, a], 'float32');
  const out = backend.makeOutput(outShape, 'float32');
  k.transpose(byteOffset(backend, x), byteOffset(backend, mid), a, b * c);
  k.blockTranspose(byteOffset(backend, mid), byteOffset(backend, out), b, c, a * 4);
  backend.disposeData(mid.dataId);
  return out;
}
