// Dense products on our 4 × 8 conv tiles (dense_sweep.ts), for the big products of a training step
// (a Nature CNN's 3136 → 512 layer: forward, input and weight gradients). XNNPACK has to pack its
// right-hand operand first, and in training the weight is a new tensor every step; the tiles read
// it where it lies. On the threaded build the SIMD helper thread takes half of the output rows.
import * as tf from '@tensorflow/tfjs';
import { STRIP, denseKeys, sweepDense, sweepDenseStrips, type DenseGeometry } from './dense_sweep.js';
import { byteOffset, wasmMemoryOf } from './heap.js';
import type { KernelScope } from './scope.js';
import { JOB_DENSE, JOB_DENSE_STRIPS, simdHelper } from './simd/helper.js';
import { simdKernels } from './simd/module.js';

/** Products smaller than this many multiply-adds stay on XNNPACK (small nets' fused paths are tuned there). */
const MIN_MACS = 1 << 20;

/** Whether a [m, k] @ [k, n] product runs on the tiles: n % 8 == 0, big enough, SIMD there. */
export function denseTilesFit(s: KernelScope, m: number, k: number, n: number): boolean {
  return n % 8 === 0 && m * k * n >= MIN_MACS && simdKernels(wasmMemoryOf(s.backend)) !== null;
}

/**
 * a [..., m, k] @ b [..., k, n] with every leading dim 1; call only where denseTilesFit holds. With
 * `packB` b is first packed in 8-column strips: for a short, wide b (a weight gradient's dy), whose
 * rows n floats apart would otherwise land on the same few L1 sets.
 */
export function denseTiles(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo, packB = false): tf.TensorInfo {
  const backend = s.backend;
  const memory = wasmMemoryOf(backend);
  const kernels = simdKernels(memory)!;
  const ra = a.shape.length;
  const [m, k] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const n = b.shape[b.shape.length - 1]!;
  const packed = packB ? s.track(backend.makeOutput([n / 8, k, 8], 'float32')) : null;
  const out = s.track(backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32'));
  if (packed) kernels.packStrips(byteOffset(backend, b), byteOffset(backend, packed), k, n * 4, n / 8, 32);
  const g: DenseGeometry = {
    aAt: byteOffset(backend, a),
    bAt: byteOffset(backend, packed ?? b),
    outAt: byteOffset(backend, out),
    m,
    k,
    n,
    packed: packed ? 1 : 0,
  };
  const mid = Math.round(m / 8) * 4;
  const helper = mid > 0 && mid < m ? simdHelper(memory) : null;
  if (!helper) {
    sweepDense(kernels, g, 0, m);
    return out;
  }
  helper.args[0] = JOB_DENSE;
  denseKeys.forEach((key, i) => (helper.args[i + 1] = g[key]));
  helper.args[denseKeys.length + 1] = mid;
  helper.args[denseKeys.length + 2] = m;
  helper.post();
  sweepDense(kernels, g, 0, mid);
  helper.finish(() => sweepDense(kernels, g, mid, m));
  return out;
}

/** The most bytes of a the strip sweep takes: a stays in L2 (1 MB here) beside a 200 KB strip. */
const MAX_A_BYTES = 512 * 1024;

/**
 * Whether a forward product a [m, k] @ b [k, n] with a b not seen before runs as packed strips:
 * n % 16 == 0, a small enough to stay in L2, big enough, SIMD there.
 */
export function denseStripsFit(s: KernelScope, m: number, k: number, n: number): boolean {
  return n % STRIP === 0 && m * k * 4 <= MAX_A_BYTES && m * k * n >= MIN_MACS && simdKernels(wasmMemoryOf(s.backend)) !== null;
}

/**
 * a [..., m, k] @ b [..., k, n], every leading dim 1, on b's 16-column strips packed contiguous (read
 * row by row, in whole cache lines), each then swept by all of a. On the threaded build the helper
 * packs and sweeps the upper half of the strips. Call only where denseStripsFit holds.
 */
export function denseStrips(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const backend = s.backend;
  const memory = wasmMemoryOf(backend);
  const kernels = simdKernels(memory)!;
  const ra = a.shape.length;
  const [m, k] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const n = b.shape[b.shape.length - 1]!;
  const strips = n / STRIP;
  const mid = Math.ceil(strips / 2);
  const scratch = s.track(backend.makeOutput([strips, k, STRIP], 'float32'));
  const out = s.track(backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32'));
  const g: DenseGeometry = { aAt: byteOffset(backend, a), bAt: byteOffset(backend, b), outAt: byteOffset(backend, out), m, k, n, packed: 0 };
  const [mine, theirs] = [byteOffset(backend, scratch), byteOffset(backend, scratch) + mid * k * STRIP * 4];
  const helper = strips >= 2 ? simdHelper(memory) : null;
  if (!helper) {
    sweepDenseStrips(kernels, g, mine, 0, strips);
    return out;
  }
  helper.args[0] = JOB_DENSE_STRIPS;
  denseKeys.forEach((key, i) => (helper.args[i + 1] = g[key]));
  const at = denseKeys.length + 1;
  helper.args[at] = theirs;
  helper.args[at + 1] = mid;
  helper.args[at + 2] = strips;
  helper.post();
  sweepDenseStrips(kernels, g, mine, 0, mid);
  helper.finish(() => sweepDenseStrips(kernels, g, mine, mid, strips));
  return out;
}
