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
}

export const denseKeys: ReadonlyArray<keyof DenseGeometry> = ['aAt', 'bAt', 'outAt', 'm', 'k', 'n'];

/** Bytes of b one block of k may span (a quarter of an L2). */
const B_BLOCK_BYTES = 256 * 1024;

/** out rows [r0, r1) (r0 a multiple of 4) of a @ b; n a multiple of 8. */
export function sweepDense(kernels: SimdKernels, g: DenseGeometry, r0: number, r1: number): void {
  const { aAt, bAt, outAt, m, k, n } = g;
  const block = Math.max(4, Math.floor(B_BLOCK_BYTES / (n * 4)));
  const end = Math.min(m, r1);
  const j1 = r0 + Math.ceil((end - r0) / 4) * 4;
  for (let k0 = 0; k0 < k; k0 += block) {
    const kb = Math.min(block, k - k0);
    kernels.convTiles(
      aAt + k0 * 4, bAt + k0 * n * 4, outAt, r0, j1, end - 1, m, m, 0, 0, k * 4, 1, kb, 0, n, n, k0 > 0 ? 1 : 0,
    );
  }
}
