import type { ChunkKernel, FrameStore } from './frameStore.js';
import { KERNEL_LANES } from './stackKernel.js';
import type { ObsArrayOf, ObsDtype } from './types.js';

/** Group of a row whose stacks are built by scalar code (frames in several chunks, or no kernel). */
export const SCALAR_GROUP = -1;

/** Rows the SIMD path stacks per pass in a chunk's scratch area (obs + next: 3.6 MB for Atari). */
export const KERNEL_ROWS = 64;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Whether frames of this kind are stacked 4 × 1 channel of uint8: the case with fast paths. */
export function isPackedStack(dtype: ObsDtype, channels: number, frameStack: number): boolean {
  return dtype === 'uint8' && channels === 1 && frameStack === 4 && LITTLE_ENDIAN;
}

/** Scratch bytes a chunk needs for the SIMD path: KERNEL_ROWS rows of observation and next observation. */
export function stackScratchBytes(observationSize: number): number {
  return KERNEL_ROWS * 2 * observationSize;
}

/** Rows of a batch to fill: the stacked observations and next observations, [B, ...sampleShape]. */
export interface StackTarget<D extends ObsDtype> {
  readonly observations: ObsArrayOf<D>;
  readonly nextObservations: ObsArrayOf<D>;
}

/**
 * Builds stacked observations [..., k·C] from k stored frames given by slot. Atari's case (uint8,
 * one channel, k = 4) runs through the chunk's wasm SIMD kernel when the frames sit in one chunk,
 * or packs a pixel's four bytes into one uint32 store; any other case interleaves channel by channel.
 */
export class StackAssembler<D extends ObsDtype> {
  private readonly frames: FrameStore<D>;
  private readonly frameSize: number;
  private readonly channels: number;
  private readonly frameStack: number;
  private readonly observationSize: number;
  private readonly packed: boolean;
  private readonly sources: ObsArrayOf<D>[];
  private readonly offsets: Int32Array;

  constructor(frames: FrameStore<D>, channels: number, frameStack: number) {
    this.frames = frames;
    this.frameSize = frames.frameSize;
    this.channels = channels;
    this.frameStack = frameStack;
    this.observationSize = frames.frameSize * frameStack;
    this.packed = isPackedStack(frames.dtype, channels, frameStack);
    this.sources = new Array<ObsArrayOf<D>>(frameStack).fill(frames.chunks[0]!);
    this.offsets = new Int32Array(frameStack);
  }

  /** The chunk whose kernel can build the stacks of frames slots[offset .. offset + count), or SCALAR_GROUP. */
  groupOf(slots: Int32Array, offset: number, count: number): number {
    if (this.frames.kernels.length === 0) return SCALAR_GROUP;
    const group = this.frames.chunkIndexOf(slots[offset]!);
    for (let j = 1; j < count; j++) if (this.frames.chunkIndexOf(slots[offset + j]!) !== group) return SCALAR_GROUP;
    return group;
  }

  /**
   * Fills rows [0, n) of `target`. Row r is drawn sample order[r], whose observation's k frame
   * slots are slots[2k·b .. 2k·b + k) and next observation's the k after; groups[b] is its groupOf.
   * Runs of rows of one chunk go through that chunk's kernel, KERNEL_ROWS at a time.
   */
  writeStacks(target: StackTarget<D>, n: number, order: Int32Array, groups: Int32Array, slots: Int32Array): void {
    const k = this.frameStack;
    const obsSize = this.observationSize;
    const { observations, nextObservations } = target;
    const packed = this.packed && observations.byteOffset % 4 === 0 && nextObservations.byteOffset % 4 === 0;
    const obs32 = packed ? new Uint32Array(observations.buffer, observations.byteOffset, observations.length >>> 2) : null;
    const next32 = packed ? new Uint32Array(nextObservations.buffer, nextObservations.byteOffset, nextObservations.length >>> 2) : null;
    for (let r = 0; r < n; ) {
      const b = order[r]!;
      const group = groups[b]!;
      if (group === SCALAR_GROUP) {
        this.writeStack(slots, 2 * k * b, observations, r * obsSize, obs32);
        this.writeStack(slots, 2 * k * b + k, nextObservations, r * obsSize, next32);
        r++;
        continue;
      }
      let end = r + 1;
      while (end < n && end - r < KERNEL_ROWS && groups[order[end]!] === group) end++;
      this.kernelStacks(this.frames.kernels[group]!, target, order, slots, r, end);
      r = end;
    }
  }

  /** Rows [r0, r1) of one chunk: the kernel stacks them in scratch, then one copy out per array. */
  private kernelStacks(kernel: ChunkKernel, target: StackTarget<D>, order: Int32Array, slots: Int32Array, r0: number, r1: number): void {
    const size = this.frameSize;
    const obsSize = this.observationSize;
    const vectorized = size - (size % KERNEL_LANES);
    const mem = kernel.bytes;
    const obsBase = kernel.scratchOffset;
    const nextBase = obsBase + KERNEL_ROWS * obsSize;
    for (let r = r0; r < r1; r++) {
      const base = 8 * order[r]!; // 2k slots per sample, k = 4
      for (let half = 0; half < 2; half++) {
        const o = base + 4 * half;
        const a0 = this.frames.offsetOf(slots[o]!);
        const a1 = this.frames.offsetOf(slots[o + 1]!);
        const a2 = this.frames.offsetOf(slots[o + 2]!);
        const a3 = this.frames.offsetOf(slots[o + 3]!);
        const dst = (half === 0 ? obsBase : nextBase) + (r - r0) * obsSize;
        kernel.interleave4(a0, a1, a2, a3, dst, vectorized);
        for (let p = vectorized; p < size; p++) {
          mem[dst + 4 * p] = mem[a0 + p]!;
          mem[dst + 4 * p + 1] = mem[a1 + p]!;
          mem[dst + 4 * p + 2] = mem[a2 + p]!;
          mem[dst + 4 * p + 3] = mem[a3 + p]!;
        }
      }
    }
    const rows = r1 - r0;
    (target.observations as Uint8Array).set(mem.subarray(obsBase, obsBase + rows * obsSize), r0 * obsSize);
    (target.nextObservations as Uint8Array).set(mem.subarray(nextBase, nextBase + rows * obsSize), r0 * obsSize);
  }

  /** Scalar path: writes the stack of frame slots slots[offset .. offset + k) into `out`. */
  private writeStack(slots: Int32Array, offset: number, out: ObsArrayOf<D>, outOffset: number, out32: Uint32Array | null): void {
    const k = this.frameStack;
    const size = this.frameSize;
    const sources = this.sources;
    const offsets = this.offsets;
    for (let j = 0; j < k; j++) {
      const s = slots[offset + j]!;
      sources[j] = this.frames.chunkOf(s);
      offsets[j] = this.frames.offsetOf(s);
    }
    if (k === 1) {
      const src = sources[0]!;
      const o = offsets[0]!;
      for (let i = 0; i < size; i++) out[outOffset + i] = src[o + i]!;
      return;
    }
    if (out32 !== null) {
      const s0 = sources[0]!;
      const s1 = sources[1]!;
      const s2 = sources[2]!;
      const s3 = sources[3]!;
      const o0 = offsets[0]!;
      const o1 = offsets[1]!;
      const o2 = offsets[2]!;
      const o3 = offsets[3]!;
      const w = outOffset >>> 2;
      for (let p = 0; p < size; p++) out32[w + p] = s0[o0 + p]! | (s1[o1 + p]! << 8) | (s2[o2 + p]! << 16) | (s3[o3 + p]! << 24);
      return;
    }
    const c = this.channels;
    const kc = c * k;
    const pixels = size / c;
    for (let j = 0; j < k; j++) {
      const src = sources[j]!;
      const o = offsets[j]!;
      const dst = outOffset + j * c;
      if (c === 1) for (let p = 0; p < pixels; p++) out[dst + p * kc] = src[o + p]!;
      else for (let p = 0; p < pixels; p++) for (let ch = 0; ch < c; ch++) out[dst + p * kc + ch] = src[o + p * c + ch]!;
    }
  }
}
