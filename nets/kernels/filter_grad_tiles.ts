// Conv2DBackpropFilter as register-tiled outer products, in our own wasm SIMD (simd/module.ts
// outerTile), for NHWC convs with input channels a multiple of 4 and output channels a multiple of 8.
//
// dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, sh·oh + dh·kh − top, sw·ow + dw·kw − left, ci] · dy[n, oh, ow, co].
// For one tap (kh, kw), the rows (n, oh, ow) of x's channel vectors and of dy are both contiguous
// and evenly strided, so each 4 × 8 block of dW[kh, kw] is one sweep of outerTile over them
// (filter_grad_sweep.ts): no im2col copy, no transposes, and no packing of dy (which XNNPACK's
// formulation of this gradient has to redo every step). On the threaded build the output channels
// are split with the SIMD helper thread (simd/helper.ts).
import * as tf from '@tensorflow/tfjs';
import { geometryKeys, sweepFilterGrad, type FilterGradGeometry } from './filter_grad_sweep.js';
import { byteOffset, f32View, wasmMemoryOf } from './heap.js';
import type { WasmBackendLike } from './scope.js';
import { runJob } from './simd/helper.js';
import { JOB_FILTER_GRAD } from './simd/jobs.js';
import { simdKernels } from './simd/module.js';

/** Whether the tiled kernel handles this conv (and wasm SIMD is there to run it). */
export function filterGradTilesApply(backend: WasmBackendLike, info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' &&
    info.inChannels % 4 === 0 &&
    info.outChannels % 8 === 0 &&
    simdKernels(wasmMemoryOf(backend)) !== null
  );
}

/** The filter gradient [KH, KW, Cin, Cout] of an NHWC conv; call only where filterGradTilesApply holds. */
export function filterGradTiles(backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const memory = wasmMemoryOf(backend);
  const k = simdKernels(memory);
  if (!k) throw new Error('pixelgym: wasm SIMD kernels are unavailable');
  const out = backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], 'float32');
  f32View(backend, out).fill(0); // a view after the last allocation (growth would detach it)
  const g: FilterGradGeometry = {
    xAt: byteOffset(backend, x),
    dyAt: byteOffset(backend, dy),
    outAt: byteOffset(backend, out),
    N: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    Cin: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    Cout: info.outChannels,
    KH: info.filterHeight,
    KW: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
  // Two chunks, the lower and upper half of the output channels (both read all of x and dy), shared
  // with the helper thread.
  const split = Math.ceil(g.Cout / 16) * 8;
  if (split === g.Cout) sweepFilterGrad(k, g, 0, g.Cout);
  else runJob(memory, k, [JOB_FILTER_GRAD, ...geometryKeys.map((key) => g[key]), split]);
  return out;
}
