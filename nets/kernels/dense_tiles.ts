// Dense products on our 4 × 8 conv tiles (dense_sweep.ts), for the big products of a training step
// (a Nature CNN's 3136 → 512 layer: forward, input and weight gradients). XNNPACK has to pack its
// right-hand operand first, and in training the weight is a new tensor every step; the tiles read
// it where it lies. On the threaded build the SIMD helper thread takes half of the output rows.
import * as tf from '@tensorflow/tfjs';
import { denseKeys, sweepDense, type DenseGeometry } from './dense_sweep.js';
import { byteOffset, wasmMemoryOf } from './heap.js';
import type { KernelScope } from './scope.js';
import { JOB_DENSE, simdHelper } from './simd/helper.js';
import { simdKernels } from './simd/module.js';

/** Products smaller than this many multiply-adds stay on XNNPACK (small nets' fused paths are tuned there). */
const MIN_MACS = 1 << 20;

/** Whether a [m, k] @ [k, n] product runs on the tiles: n % 8 == 0, big enough, SIMD there. */
export function denseTilesFit(s: KernelScope, m: number, k: number, n: number): boolean {
  return n % 8 === 0 && m * k * n >= MIN_MACS && simdKernels(wasmMemoryOf(s.backend)) !== null;
}

/** a [..., m, k] @ b [..., k, n] with every leading dim 1; call only where denseTilesFit holds. */
export function denseTiles(s: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const backend = s.backend;
  const memory = wasmMemoryOf(backend);
  const kernels = simdKernels(memory)!;
  const ra = a.shape.length;
  const [m, k] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const n = b.shape[b.shape.length - 1]!;
  const out = s.track(backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32'));
  const g: DenseGeometry = { aAt: byteOffset(backend, a), bAt: byteOffset(backend, b), outAt: byteOffset(backend, out), m, k, n };
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
