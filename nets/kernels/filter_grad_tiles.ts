// Conv2DBackpropFilter as register-tiled outer products, in our own wasm SIMD (simd/module.ts
// outerTile), for NHWC convs with input channels a multiple of 4 and output channels a multiple of 8.
//
// dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, sh·oh + dh·kh − top, sw·ow + dw·kw − left, ci] · dy[n, oh, ow, co].
// For one tap (kh, kw), the rows (n, oh, ow) of x's channel vectors and of dy are both contiguous
// and evenly strided, so each 4 × 8 block of dW[kh, kw] is one sweep of outerTile over them: no
// im2col copy, no transposes, and no packing of dy (which XNNPACK's formulation of this gradient
// has to redo every step). The sweep runs over a few samples at a time so the x and dy rows it
// reads stay in L2 while every tap and block takes its turn.
import * as tf from '@tensorflow/tfjs';
import { byteOffset, f32View, wasmMemoryOf } from './heap.js';
import type { WasmBackendLike } from './scope.js';
import { simdKernels } from './simd/module.js';

/** Bytes of x and dy rows one chunk of samples may span (about half an L2). */
const CHUNK_BYTES = 192 * 1024;
/** Rows a sweep covers when one sample is already more than a chunk. */
const BAND_ROWS = 128;

/** First and one-past-last output index whose tap `k` lands inside the input (padding reads zeros). */
function validRange(outSize: number, inSize: number, stride: number, dilation: number, k: number, padBefore: number): [number, number] {
  const offset = dilation * k - padBefore; // input index = stride·o + offset
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

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
  const k = simdKernels(wasmMemoryOf(backend));
  if (!k) throw new Error('pixelgym: wasm SIMD kernels are unavailable');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput([KH, KW, Cin, Cout], 'float32');
  f32View(backend, out).fill(0); // views after the last allocation (growth would detach them)
  const xAt = byteOffset(backend, x);
  const dyAt = byteOffset(backend, dy);
  const outAt = byteOffset(backend, out);
  const xSample = H * W * Cin * 4;
  const dySample = OH * OW * Cout * 4;
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (xSample + dySample)));
  const rows = Array.from({ length: KH }, (_, i) => validRange(OH, H, sh, dh, i, top));
  const cols = Array.from({ length: KW }, (_, j) => validRange(OW, W, sw, dw, j, left));
  const cRow = Cout * 4;
  const aCol = sw * Cin * 4;
  const aRow = sh * W * Cin * 4;
  const bCol = Cout * 4;
  const bRow = OW * Cout * 4;
  // Rows of one sweep: whole samples when several fit the chunk, else bands of output rows, so the
  // x and dy rows a sweep reads stay in L1 across the taps and blocks that reuse them.
  const band = chunk > 1 ? OH : Math.max(1, Math.min(OH, Math.ceil(BAND_ROWS / OW)));
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const count = Math.min(chunk, N - n0);
    for (let b0 = 0; b0 < OH; b0 += band) {
      const b1 = Math.min(OH, b0 + band);
      for (let i = 0; i < KH; i++) {
        const oh0 = Math.max(rows[i]![0], b0);
        const oh1 = Math.min(rows[i]![1], b1);
        if (oh1 <= oh0) continue;
        const ih = sh * oh0 + dh * i - top;
        for (let j = 0; j < KW; j++) {
          const [ow0, ow1] = cols[j]!;
          if (ow1 === ow0) continue;
          const iw = sw * ow0 + dw * j - left;
          const pTap = xAt + ((n0 * H + ih) * W + iw) * Cin * 4;
          const qTap = dyAt + ((n0 * OH + oh0) * OW + ow0) * Cout * 4;
          const cTap = outAt + (i * KW + j) * Cin * Cout * 4;
          for (let ci = 0; ci < Cin; ci += 4) {
            for (let co = 0; co < Cout; co += 8) {
              k.outerTile(
                pTap + ci * 4, qTap + co * 4, cTap + (ci * Cout + co) * 4, cRow, count, oh1 - oh0, ow1 - ow0,
                aCol, aRow, xSample, bCol, bRow, dySample,
              );
            }
          }
        }
      }
    }
  }
  return out;
}
