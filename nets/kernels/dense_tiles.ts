// Dense products on our 4 × 8 conv tiles (dense_sweep.ts), for the big products of a training step
// (a Nature CNN's 3136 → 512 layer: forward, input and weight gradients). XNNPACK packs its
// right-hand operand whole before it starts, and in training the weight is a new tensor every step.
// The tiles read a weight's rows where they lie (input gradient) or pack its column strips as they
// go (forward). On the threaded build the SIMD helper thread shares the chunks of each product.
import * as tf from '@tensorflow/tfjs';
import { STRIP, denseKeys, type DenseGeometry } from './dense_sweep.js';
import { byteOffset, wasmMemoryOf } from './heap.js';
import type { KernelScope } from './scope.js';
import { runJob } from './simd/helper.js';
import { JOB_DENSE, JOB_DENSE_STRIPS, chunkSize } from './simd/jobs.js';
import { simdKernels } from './simd/module.js';

/** Products smaller than this many multiply-adds stay on XNNPACK (small nets' fused paths are tuned there). */
const MIN_MACS = 1 << 20;

/** Whether a [m, k] @ [k, n] product runs on the tiles: n % 8 == 0, big enough, SIMD there. */
export function denseTilesFit(s: KernelScope, m: number, k: number, n: number): boolean {
  return n % 8 === 0 && m * k * n >= MIN_MACS && simdKernels(wasmMemoryOf(s.backend)) !== null;
}

/** The back end, its SIMD kernels and the sizes of a [..., m, k] @ b [..., k, n]. */
function operands(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo) {
  const backend = s.backend;
  const memory = wasmMemoryOf(backend);
  const ra = a.shape.length;
  return { backend, memory, kernels: simdKernels(memory)!, m: a.shape[ra - 2]!, k: a.shape[ra - 1]!, n: b.shape[b.shape.length - 1]! };
}

/** dense_sweep.ts's geometry for a @ b into out (byte offsets stay valid when the memory grows). */
function geometry(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo, out: tf.TensorInfo, packed: boolean): DenseGeometry {
  const at = (t: tf.TensorInfo): number => byteOffset(s.backend, t);
  const [m, k] = a.shape.slice(-2) as [number, number];
  return { aAt: at(a), bAt: at(b), outAt: at(out), m, k, n: out.shape[out.shape.length - 1]!, packed: packed ? 1 : 0 };
}

/** The most bytes of b packed whole for denseTiles (a weight gradient's dy: L2-resident). */
const MAX_PACKED_B_BYTES = 256 * 1024;

/** Whether denseTiles with `packB` suits a [m, k] @ [k, n] product. */
export function denseTilesPackedFit(s: KernelScope, m: number, k: number, n: number): boolean {
  return denseTilesFit(s, m, k, n) && k * n * 4 <= MAX_PACKED_B_BYTES;
}

/**
 * a [..., m, k] @ b [..., k, n] with every leading dim 1; call only where denseTilesFit holds. With
 * `packB` b is first packed in 8-column strips: for a short, wide b (a weight gradient's dy), whose
 * rows n floats apart would otherwise land on the same few L1 sets.
 */
export function denseTiles(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo, packB = false): tf.TensorInfo {
  const { backend, memory, kernels, m, k, n } = operands(s, a, b);
  const packed = packB ? s.track(backend.makeOutput([n / 8, k, 8], 'float32')) : null;
  const out = s.track(backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32'));
  if (packed) kernels.packStrips(byteOffset(backend, b), byteOffset(backend, packed), k, n * 4, n / 8, 32);
  const g = geometry(s, a, packed ?? b, out, packed !== null);
  // chunks of whole row tiles, shared with the helper thread
  runJob(memory, kernels, [JOB_DENSE, ...denseKeys.map((key) => g[key]), chunkSize(m, 4)]);
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
 * thread shares chunks of strips. Call only where denseStripsFit holds.
 */
export function denseStrips(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const { backend, memory, kernels, m, k, n } = operands(s, a, b);
  const scratch = s.track(backend.makeOutput([n / STRIP, k, STRIP], 'float32'));
  const out = s.track(backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32'));
  const g = geometry(s, a, b, out, false);
  // chunks of 4 strips (a row's 256 contiguous bytes per pack), shared with the helper thread
  runJob(memory, kernels, [JOB_DENSE_STRIPS, ...denseKeys.map((key) => g[key]), byteOffset(backend, scratch), 4]);
  return out;
}
