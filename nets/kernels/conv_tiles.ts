// Conv2D and Conv2DBackpropInput for 'valid', undilated NHWC convs as 4-pixel × 8-channel register
// tiles in our own wasm SIMD (simd/convTiles.ts), fused multiply-adds where the runtime has them.
// Against XNNPACK, the forward saves the packing of the weights (new every training step) and the
// input gradient saves the dy @ Wᵀ column matrix and its scatter pass (col2im.ts): each tile adds
// straight into the input gradient. On the threaded build the SIMD helper thread takes half of
// the pixels (whole images for the input gradient, whose tiles add into shared rows).
import * as tf from '@tensorflow/tfjs';
import { byteOffset, f32View, wasmMemoryOf } from './heap.js';
import { withScope, type WasmBackendLike } from './scope.js';
import { CALLABLE, JOB_CALL, simdHelper, type Callable } from './simd/helper.js';
import { simdKernels, type SimdKernels, type WasmMemory } from './simd/module.js';

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

/**
 * Runs kernel `name` over pixels [0, end) with `args(j0, j1)`, the helper thread taking [mid, end)
 * when it is up and mid splits the range.
 */
function split(memory: WasmMemory | undefined, k: SimdKernels, name: Callable, mid: number, end: number, args: (j0: number, j1: number) => number[]): void {
  const run = (j0: number, j1: number): void => (k[name] as (...a: number[]) => void)(...args(j0, j1));
  const helper = mid > 0 && mid < end ? simdHelper(memory) : null;
  if (!helper) {
    run(0, end);
    return;
  }
  const part = args(mid, end);
  helper.args[0] = JOB_CALL;
  helper.args[1] = CALLABLE.indexOf(name);
  part.forEach((v, i) => (helper.args[i + 2] = v));
  helper.post();
  run(0, mid);
  helper.finish(() => run(mid, end));
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
  const mid = Math.round(end / 8) * 4;
  const [xAt, wAt, outAt] = [byteOffset(backend, x), byteOffset(backend, filter), byteOffset(backend, out)];
  const kwc = info.filterWidth * Cin;
  const geometry = [
    OH * OW, OW, info.inHeight * W * Cin * 4, info.strideHeight * W * Cin * 4, info.strideWidth * Cin * 4,
    info.filterHeight, kwc, (W * Cin - kwc) * 4, Cout, Cout, 0, Cout, 32,
  ];
  split(memory, k, 'convTiles', mid, end, (j0, j1) => [xAt, wAt, outAt, j0, j1, total - 1, ...geometry]);
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
    const half = Math.floor(N / 2) * plane; // whole images each: the tiles add into dx
    const mid = half % 4 === 0 ? half : 0;
    const [dyAt, wtAt, dxAt] = [byteOffset(backend, dy), byteOffset(backend, wt), byteOffset(backend, dx)];
    const geometry = [
      plane, OW, H * W * Cin * 4, info.strideHeight * W * Cin * 4, info.strideWidth * Cin * 4,
      info.filterHeight, info.filterWidth, (W - info.filterWidth) * Cin * 4, Cin, Cout,
    ];
    split(memory, k, 'scatterTiles', mid, end, (j0, j1) => [dyAt, wtAt, dxAt, j0, j1, ...geometry]);
    return dx;
  });
}
