// Jobs our kernels share with the SIMD helper thread (helper.ts), as plain numbers: a kind, then its
// arguments. Each job splits into chunks that write disjoint parts of its output, so either thread
// may run any chunk, in any order, with the same result. Both threads take chunks from one shared
// counter (helper.ts), so the one that is slower for a while (a busy core, a late wake-up) simply
// runs fewer: a fixed half each left the main thread waiting ~4 ms per Nature-CNN step.
import { denseKeys, sweepDense, sweepDenseStrips, STRIP, type DenseGeometry } from '../dense_sweep.js';
import { geometryKeys, sweepFilterGrad, type FilterGradGeometry } from '../filter_grad_sweep.js';
import type { SimdKernels } from './module.js';

/** Filter-gradient geometry, then the channel that splits it into two chunks. */
export const JOB_FILTER_GRAD = 1;
/** SimdKernels.adam's eight offsets/sizes and eight constants, then the bytes per chunk. */
export const JOB_ADAM = 2;
/** An index into CALLABLE, pixels per chunk, then the kernel's arguments (its j0, j1 are the 4th and 5th). */
export const JOB_CALL = 3;
/** Dense geometry, then rows per chunk. */
export const JOB_DENSE = 4;
/** Dense geometry, the scratch's offset (room for every strip), then strips per chunk. */
export const JOB_DENSE_STRIPS = 5;
/** Kernels a JOB_CALL may name: each takes only numbers and loops over its own pixel range. */
export const CALLABLE = ['convTiles', 'scatterTiles'] as const;
export type Callable = (typeof CALLABLE)[number];
/** About how many chunks a job's range is cut into: enough that neither thread waits long for the other's last. */
const CHUNKS = 16;

/** Chunk size for a range of `total` units cut into about CHUNKS chunks, each a multiple of `align`. */
export function chunkSize(total: number, align: number): number {
  return Math.max(align, Math.ceil(total / CHUNKS / align) * align);
}

/** The most numbers a job takes (the helper's shared args area). */
export const MAX_JOB_ARGS = 32;

function dense(a: ArrayLike<number>): DenseGeometry {
  const g = {} as DenseGeometry;
  denseKeys.forEach((key, i) => (g[key] = a[i + 1]!));
  return g;
}

const D = denseKeys.length + 1; // first number after a dense geometry

/** How many chunks job `a` has. */
export function jobChunks(a: ArrayLike<number>): number {
  switch (a[0]) {
    case JOB_FILTER_GRAD:
      return 2;
    case JOB_ADAM:
      return Math.ceil(a[8]! / a[17]!);
    case JOB_CALL:
      return Math.ceil((a[3 + 4]! - a[3 + 3]!) / a[2]!);
    case JOB_DENSE:
      return Math.ceil(a[1 + denseKeys.indexOf('m')]! / a[D]!);
    case JOB_DENSE_STRIPS:
      return Math.ceil(a[1 + denseKeys.indexOf('n')]! / STRIP / a[D + 1]!);
    default:
      throw new Error(`pixelgym: unknown SIMD job ${a[0]}`);
  }
}

/** Runs chunk `c` of job `a`. */
export function runChunk(k: SimdKernels, a: ArrayLike<number>, c: number): void {
  switch (a[0]) {
    case JOB_FILTER_GRAD: {
      const g = {} as FilterGradGeometry;
      geometryKeys.forEach((key, i) => (g[key] = a[i + 1]!));
      const split = a[geometryKeys.length + 1]!;
      if (c === 0) sweepFilterGrad(k, g, 0, split);
      else sweepFilterGrad(k, g, split, g.Cout);
      return;
    }
    case JOB_ADAM: {
      const [bytes, per] = [a[8]!, a[17]!];
      const o = c * per;
      const at = (i: number): number => a[i]! + o;
      k.adam(at(1), at(2), at(3), at(4), at(5), at(6), at(7), Math.min(per, bytes - o),
        a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!, a[15]!, a[16]!);
      return;
    }
    case JOB_CALL: {
      const args = Array.from({ length: a.length - 3 }, (_, i) => a[i + 3]!);
      const [j0, j1, per] = [args[3]!, args[4]!, a[2]!];
      args[3] = j0 + c * per;
      args[4] = Math.min(j1, args[3] + per);
      (k[CALLABLE[a[1]!]!] as (...x: number[]) => void)(...args);
      return;
    }
    case JOB_DENSE: {
      const g = dense(a);
      const per = a[D]!;
      sweepDense(k, g, c * per, Math.min(g.m, (c + 1) * per));
      return;
    }
    case JOB_DENSE_STRIPS: {
      const g = dense(a);
      const per = a[D + 1]!;
      const s0 = c * per;
      const s1 = Math.min(g.n / STRIP, s0 + per);
      sweepDenseStrips(k, g, a[D]! + s0 * g.k * STRIP * 4, s0, s1);
      return;
    }
    default:
      throw new Error(`pixelgym: unknown SIMD job ${a[0]}`);
  }
}
