// The loop nest of the tiled filter gradient (filter_grad_tiles.ts), over plain numbers only, so the
// SIMD helper thread (simd/helperWorker.ts) can run a part of it without loading tfjs.
import type { SimdKernels } from './simd/module.js';

/** Byte offsets and the conv's sizes; also the helper's job layout, in this order. */
export interface FilterGradGeometry {
  xAt: number;
  dyAt: number;
  outAt: number;
  N: number;
  H: number;
  W: number;
  Cin: number;
  OH: number;
  OW: number;
  Cout: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
}

export const geometryKeys: ReadonlyArray<keyof FilterGradGeometry> = [
  'xAt', 'dyAt', 'outAt', 'N', 'H', 'W', 'Cin', 'OH', 'OW', 'Cout', 'KH', 'KW', 'sh', 'sw', 'dh', 'dw', 'top', 'left',
];

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

/** Adds the output channels [coFrom, coTo) (multiples of 8) of the filter gradient into a zeroed output. */
export function sweepFilterGrad(k: SimdKernels, g: FilterGradGeometry, coFrom: number, coTo: number): void {
  const { xAt, dyAt, outAt, N, H, W, Cin, OH, OW, Cout, KH, KW, sh, sw, dh, dw, top, left } = g;
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
  // x and dy rows a sweep reads stay in cache across the taps and blocks that reuse them.
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
            for (let co = coFrom; co < coTo; co += 8) {
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
}
