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
import { JOB_FILTER_GRAD, simdHelper } from './simd/helper.js';
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
  const blocks = g.Cout / 8;
  const helper = blocks >= 2 ? simdHelper(memory) : null;
  if (!helper) {
    sweepFilterGrad(k, g, 0, g.Cout);
    return out;
  }
  // The helper takes the upper half of the output channels; both halves read all of x and dy.
  const split = Math.ceil(blocks / 2) * 8;
  helper.args[0] = JOB_FILTER_GRAD;
  geometryKeys.forEach((key, i) => (helper.args[i + 1] = g[key]));
  helper.args[geometryKeys.length + 1] = split;
  helper.args[geometryKeys.length + 2] = g.Cout;
  helper.post();
  sweepFilterGrad(k, g, 0, split);
  helper.finish(() => sweepFilterGrad(k, g, split, g.Cout));
  return out;
}
