// BatchMatMul / _FusedMatMul for wasm without the transposed-operand flags: the wasm back end only
// takes XNNPACK's fast path for plain a @ b and loops slowly otherwise (FACTS: 49.5 ms with
// transposeA against 3.7 ms plain). An explicit transpose of the smaller side costs far less.
//
// Plain a @ b has a cost of its own: XNNPACK packs b into a new operator whenever b is a tensor it
// has not seen, ~13 ns per element here (21 ms for a 3136x512 dense weight, 4x the product itself),
// and in training the weights are new tensors every step. When b is big and a has few rows, (b^T a^T)^T
// packs a^T instead, for the price of SIMD transposes; where our SIMD tiles fit (dense_tiles.ts: a in
// L2, n % 16 == 0) they take it instead, packing b's column strips as they go. A b seen before takes
// the plain path, whose packed operator the back end then keeps (inference with fixed weights).
import * as tf from '@tensorflow/tfjs';
import { denseStrips, denseStripsFit, denseTiles, denseTilesFit, denseTilesPackedFit } from './dense_tiles.js';
import { withScope, type KernelScope, type WasmBackendLike } from './scope.js';

function swapLast(s: KernelScope, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return s.transpose(x, perm);
}

function outRows(x: tf.TensorInfo, transposed: boolean): number {
  const r = x.shape.length;
  return transposed ? x.shape[r - 1]! : x.shape[r - 2]!;
}

function plain(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return s.runOriginal('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/** Data of b operands already multiplied plainly (their packed operators are cached). */
const seenAsB = new WeakSet<object>();

/** Whether packing a^T plus transposes beats packing b, for a [m, k] @ b [k, n]. */
function cheaperTransposed(m: number, k: number, n: number): boolean {
  return k * n >= 1 << 16 && m % 4 === 0 && k % 4 === 0 && n % 4 === 0 && 11 * k * n > 15 * m * k + 2 * m * n;
}

function plainOrTransposed(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo, tiles: boolean): tf.TensorInfo {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const single = tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 && tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  const [m, k, n] = [a.shape[ra - 2]!, a.shape[ra - 1]!, b.shape[rb - 1]!];
  if (tiles && single && !seenAsB.has(b.dataId) && denseStripsFit(s, m, k, n)) {
    seenAsB.add(b.dataId);
    return denseStrips(s, a, b);
  }
  if (single && !seenAsB.has(b.dataId) && cheaperTransposed(m, k, n)) {
    seenAsB.add(b.dataId);
    return swapLast(s, plain(s, swapLast(s, b), swapLast(s, a)));
  }
  seenAsB.add(b.dataId);
  return plain(s, a, b);
}

/**
 * a @ b^T with a big b (a dense layer's input gradient, dy @ W^T) on the dense tiles, as
 * (b @ a^T)^T: the weight's rows become the tiles' rows and are read once, in order; else null.
 * Measured on the Nature CNN's 3136 → 512 layer (batch 32, 2 threads): 2.6–3.2 ms against 3.8–4.8
 * for XNNPACK. (The forward product runs on packed strips, in plainOrTransposed; the weight
 * gradient a^T b on the tiles with b packed, in batchMatMul.)
 */
function inputGradViaTiles(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const single = tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 && tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 2]!;
  if (!single || tf.util.sizeFromShape(b.shape) <= tf.util.sizeFromShape(a.shape) + m * n) return null;
  if (!denseTilesFit(s, n, k, m)) return null;
  return swapLast(s, denseTiles(s, b, swapLast(s, a)));
}

export function batchMatMul(
  backend: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  method: 'auto' | 'xnnpack' = 'auto',
): tf.TensorInfo {
  return withScope(backend, (s) => {
    const tiled = method === 'auto' && !transposeA && transposeB ? inputGradViaTiles(s, a, b) : null;
    if (tiled) return tiled;
    if (!transposeA && !transposeB) return plainOrTransposed(s, a, b, method === 'auto');
    // a^T b^T = (b a)^T: one transpose, of the output.
    if (transposeA && transposeB) return swapLast(s, plain(s, b, a));
    const m = outRows(a, transposeA);
    const n = outRows(b, !transposeB);
    const out = m * n * tf.util.sizeFromShape(a.shape.slice(0, -2));
    if (transposeA) {
      // a^T b: transpose a, or compute (b^T a)^T, whichever moves fewer numbers.
      if (tf.util.sizeFromShape(a.shape) <= tf.util.sizeFromShape(b.shape) + out) {
        // A weight gradient x^T dy with a short sum: the tiles, with b packed in 8-column strips
        // (3.4-3.5 against 3.8-3.9 ms for the Nature CNN's first dense layer).
        const k = a.shape[a.shape.length - 2]!;
        const single = out === m * n && tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
        if (method === 'auto' && single && denseTilesPackedFit(s, m, k, n)) return denseTiles(s, swapLast(s, a), b, true);
        return plain(s, swapLast(s, a), b);
      }
      return swapLast(s, plain(s, swapLast(s, b), a));
    }
    // a b^T: transpose b, or compute (b a^T)^T.
    if (tf.util.sizeFromShape(b.shape) <= tf.util.sizeFromShape(a.shape) + out) return plain(s, a, swapLast(s, b));
    return swapLast(s, plain(s, b, swapLast(s, a)));
  });
}

export function fusedMatMul(
  backend: WasmBackendLike,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  return withScope(backend, (s) => {
    const a = inputs['a']!;
    const b = inputs['b']!;
    const a2 = attrs['transposeA'] ? swapLast(s, a) : a;
    const b2 = attrs['transposeB'] ? swapLast(s, b) : b;
    return s.runOriginal('_FusedMatMul', { ...inputs, a: a2, b: b2 }, { ...attrs, transposeA: false, transposeB: false });
  });
}
