// Conv2D and Conv2DBackpropInput for 'valid', undilated NHWC convs as 4-pixel × 8-channel register
// tiles in our own wasm SIMD (simd/convTiles.ts), fused multiply-adds where the runtime has them.
// Against XNNPACK, the forward saves the packing of the weights (new every training step) and the
// input gradient saves the dy @ Wᵀ column matrix and its scatter pass (col2im.ts): each tile adds
// straight into the input gradient. On the threaded build the SIMD helper thread shares the chunks
// of pixels (whole images for the input gradient, whose tiles add into shared rows).
import * as tf from '@tensorflow/tfjs';
import { byteOffset, f32View, wasmMemoryOf } from './heap.js';
import { withScope, type WasmBackendLike } from './scope.js';
import { runJob } from './simd/helper.js';
import { CALLABLE, JOB_CALL, chunkSize } from './simd/jobs.js';
import { simdKernels } from './simd/module.js';

function validUndilated(info: tf.backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return (
    info.dataFormat === 'channelsLast' &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0
  );
}

/** Whether convTiles computes this Conv2D. */
export function convTilesApply(backend: WasmBackendLike, info: tf.backend_util.Conv2DInfo): boolean {
  return validUndilated(info) && info.outChannels % 8 === 0 && simdKernels(wasmMemoryOf(backend)) !== null;
}

/** Whether scatterTiles computes this Conv2DBackpropInput. */
export function inputGradTilesApply(backend: WasmBackendLike, info: tf.backend_util.Conv2DInfo): boolean {
  return (
    validUndilated(info) &&
    info.inChannels % 8 === 0 &&
    (info.batchSize * info.outHeight * info.outWidth) % 4 === 0 &&
    simdKernels(wasmMemoryOf(backend)) !== null
  );
}

/** Conv2D output [N, OH, OW, Cout]; call only where convTilesApply holds. */
export function convTiles(backend: WasmBackendLike, x: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const memory = wasmMemoryOf(backend);
  const k = simdKernels(memory)!;
  const { batchSize: N, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout } = info;
  const out = backend.makeOutput([N, OH, OW, Cout], 'float32');
  const total = N * OH * OW;
  if (total === 0) return out;
  const end = Math.ceil(total / 4) * 4;
  const [xAt, wAt, outAt] = [byteOffset(backend, x), byteOffset(backend, filter), byteOffset(backend, out)];
  const kwc = info.filterWidth * Cin;
  const geometry = [
    OH * OW, OW, info.inHeight * W * Cin * 4, info.strideHeight * W * Cin * 4, info.strideWidth * Cin * 4,
    info.filterHeight, kwc, (W * Cin - kwc) * 4, Cout, Cout, 0, Cout, 32,
  ];
  runJob(memory, k, [JOB_CALL, CALLABLE.indexOf('convTiles'), chunkSize(end, 4), xAt, wAt, outAt, 0, end, total - 1, ...geometry]);
  return out;
}

/** Conv2DBackpropInput [N, H, W, Cin]; call only where inputGradTilesApply holds. */
export function inputGradTiles(backend: WasmBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  return withScope(backend, (s) => {
    const memory = wasmMemoryOf(backend);
    const k = simdKernels(memory)!;
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout } = info;
    const wt = s.transpose(filter, [0, 1, 3, 2]);
    const dx = s.track(backend.makeOutput([N, H, W, Cin], 'float32'));
    f32View(backend, dx).fill(0); // a view after the last allocation (growth would detach it)
    const plane = OH * OW;
    const end = N * plane;
    // Chunks of whole images (the tiles add into dx rows that neighbouring pixels share), a multiple
    // of 4 pixels each.
    const images = plane % 4 === 0 ? 1 : plane % 2 === 0 ? 2 : 4;
    const [dyAt, wtAt, dxAt] = [byteOffset(backend, dy), byteOffset(backend, wt), byteOffset(backend, dx)];
    const geometry = [
      plane, OW, H * W * Cin * 4, info.strideHeight * W * Cin * 4, info.strideWidth * Cin * 4,
      info.filterHeight, info.filterWidth, (W - info.filterWidth) * Cin * 4, Cin, Cout,
    ];
    runJob(memory, k, [JOB_CALL, CALLABLE.indexOf('scatterTiles'), chunkSize(end, images * plane), dyAt, wtAt, dxAt, 0, end, ...geometry]);
    return dx;
  });
}
