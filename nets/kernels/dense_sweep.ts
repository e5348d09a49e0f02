// A dense product a [m, k] @ b [k, n] on the conv tiles (simd/convTiles.ts: each row of a is a
// "pixel" whose window is the whole row), over plain numbers only so the SIMD helper thread can run
// a part of it. A big b is taken in blocks of k whose rows stay in L2 while every row tile of a
// passes over them: b's 8-float columns are strided by n floats, and a whole column of a 3136 × 512
// weight, 2 KB apart, keeps landing on the same few cache sets.
import type { SimdKernels } from './simd/module.js';

/** Byte offsets and sizes; also the helper's job layout, in this order. */
export interface DenseGeometry {
  aAt: number;
  bAt: number;
  outAt: number;
  m: number;
  k: number;
  n: number;
  /** 1 when b is packed as [n / 8, k, 8] (8-column strips back to back), 0 when row-major [k, n]. */
  packed: number;
}

export const denseKeys: ReadonlyArray<keyof DenseGeometry> = ['aAt', 'bAt', 'outAt', 'm', 'k', 'n', 'packed'];

/** Bytes of b one block of k may span (a quarter of an L2). */
const B_BLOCK_BYTES = 256 * 1024;

/**
 * out rows [r0, r1) (r0 a multiple of 4) of a @ b; n a multiple of 8. A packed b (a small one, packed
 * once per product: its 8-float rows are then back to back) is swept whole; a row-major b in blocks.
 */
export function sweepDense(kernels: SimdKernels, g: DenseGeometry, r0: number, r1: number): void {
  const { aAt, bAt, outAt, m, k, n, packed } = g;
  const block = packed ? k : Math.max(4, Math.floor(B_BLOCK_BYTES / (n * 4)));
  const [rowFloats, tileStep] = packed ? [8, k * 32] : [n, 32];
  const end = Math.min(m, r1);
  const j1 = r0 + Math.ceil((end - r0) / 4) * 4;
  for (let k0 = 0; k0 < k; k0 += block) {
    const kb = Math.min(block, k - k0);
    kernels.convTiles(
      aAt + k0 * 4, bAt + k0 * rowFloats * 4, outAt, r0, j1, end - 1, m, m, 0, 0, k * 4, 1, kb, 0, n, n, k0 > 0 ? 1 : 0,
      rowFloats, tileStep,
    );
  }
}

/** Columns of b one strip of the forward product packs: one 64-byte cache line of each row. */
export const STRIP = 16;

/**
 * out columns [s0·STRIP, s1·STRIP) of a @ b: those strips of b's columns are packed into the
 * scratch at scratchAt (k × STRIP floats per strip), reading b's rows in order, then every row
 * tile of a sweeps each packed strip (which stays in L2 across them). For a forward product whose a
 * fits in L2 (dense_tiles.ts checks).
 */
export function sweepDenseStrips(kernels: SimdKernels, g: DenseGeometry, scratchAt: number, s0: number, s1: number): void {
  const { aAt, bAt, outAt, m, k, n } = g;
  const j1 = Math.ceil(m / 4) * 4;
  const stripBytes = STRIP * 4;
  kernels.packStrips(bAt + s0 * stripBytes, scratchAt, k, n * 4, s1 - s0, stripBytes);
  for (let s = s0; s < s1; s++) {
    const strip = scratchAt + (s - s0) * k * stripBytes;
    kernels.convTiles(aAt, strip, outAt + s * stripBytes, 0, j1, m - 1, m, m, 0, 0, k * 4, 1, k, 0, n, STRIP, 0, STRIP, 32);
  }
}
