import type { ChunkKernel, FrameStore } from './frameStore.js';
import { KERNEL_LANES } from './stackKernel.js';
import type { ObsDtype, ObservationInput } from './types.js';

/**
 * Writes incoming observations into a FrameStore as single frames, and compares them with stored
 * frames (the replay buffer's continuity check). An input is one frame or a stack of `frameStack`
 * frames along the last axis, of which only the newest frame (the last C channels of each pixel)
 * is kept. Whole uint8 inputs into a SIMD store go through the chunk's kernel.
 */
export class FrameWriter<D extends ObsDtype> {
  private readonly frames: FrameStore<D>;
  private readonly frameSize: number;
  private readonly channels: number;
  private readonly frameStack: number;

  constructor(frames: FrameStore<D>, channels: number, frameStack: number) {
    this.frames = frames;
    this.frameSize = frames.frameSize;
    this.channels = channels;
    this.frameStack = frameStack;
  }

  /** Stores the (newest) frame of `src`, read from `offset`, in `slot`. */
  copyIn(slot: number, src: ObservationInput, offset: number, stacked: boolean): void {
    const dst = this.frames.chunkOf(slot);
    const o = this.frames.offsetOf(slot);
    const size = this.frameSize;
    if (stacked && this.frames.kernels.length > 0) {
      // A uint8 stack of 4: the kernel picks out the newest frame, then one copy within the memory.
      const kernel = this.frames.kernels[this.frames.chunkIndexOf(slot)]!;
      if (this.stage(kernel, src, offset, stacked)) {
        kernel.bytes.copyWithin(o, kernel.scratchOffset, kernel.scratchOffset + size);
        return;
      }
    }
    if (typeof src === 'number') {
      dst[o] = src;
    } else if (!stacked) {
      if (offset === 0 && src.length === size) dst.set(src, o);
      else for (let i = 0; i < size; i++) dst[o + i] = src[offset + i]!;
    } else {
      const c = this.channels;
      const kc = c * this.frameStack;
      const base = offset + (this.frameStack - 1) * c;
      const pixels = size / c;
      if (c === 1) for (let p = 0; p < pixels; p++) dst[o + p] = src[base + p * kc]!;
      else for (let p = 0; p < pixels; p++) for (let ch = 0; ch < c; ch++) dst[o + p * c + ch] = src[base + p * kc + ch]!;
    }
  }

  /** Whether the (newest) frame of `src` equals the frame stored in `slot`, compared as stored. */
  equals(slot: number, src: ObservationInput, offset: number, stacked: boolean): boolean {
    const f = this.frames.chunkOf(slot);
    const o = this.frames.offsetOf(slot);
    const size = this.frameSize;
    const u8 = this.frames.dtype === 'uint8';
    if (typeof src === 'number') return f[o] === (u8 ? src & 255 : Math.fround(src));
    // SIMD store: stage the newest frame next to the frames, compare 16 bytes a step.
    if (this.frames.kernels.length > 0) {
      const kernel = this.frames.kernels[this.frames.chunkIndexOf(slot)]!;
      if (this.stage(kernel, src, offset, stacked)) {
        const vectorized = size - (size % KERNEL_LANES);
        if (kernel.equal(o, kernel.scratchOffset, vectorized) === 0) return false;
        return sameElements(kernel.bytes, o + vectorized, kernel.bytes, kernel.scratchOffset + vectorized, size - vectorized);
      }
    }
    // Same element type as stored: a plain element-wise loop.
    if (!stacked && ((src instanceof Uint8Array && f instanceof Uint8Array) || (src instanceof Float32Array && f instanceof Float32Array))) {
      return sameElements(f, o, src, offset, size);
    }
    // Otherwise convert as storing would (uint8 wraps, float32 rounds), so a frame matches its copy.
    if (!stacked) {
      for (let i = 0; i < size; i++) {
        const v = src[offset + i]!;
        if (f[o + i] !== (u8 ? v & 255 : Math.fround(v))) return false;
      }
      return true;
    }
    const c = this.channels;
    const kc = c * this.frameStack;
    const base = offset + (this.frameStack - 1) * c;
    const pixels = size / c;
    for (let p = 0; p < pixels; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = src[base + p * kc + ch]!;
        if (f[o + p * c + ch] !== (u8 ? v & 255 : Math.fround(v))) return false;
      }
    }
    return true;
  }

  /**
   * SIMD stores: puts the newest frame of a whole uint8 input (a frame, or a stack of 4) at the
   * start of the chunk's scratch area. False when the input is of another kind.
   */
  private stage(kernel: ChunkKernel, src: ObservationInput, offset: number, stacked: boolean): boolean {
    if (!(src instanceof Uint8Array) || offset !== 0) return false;
    const size = this.frameSize;
    const at = kernel.scratchOffset;
    if (!stacked) {
      if (src.length !== size) return false;
      kernel.bytes.set(src, at);
      return true;
    }
    if (src.length !== 4 * size) return false;
    kernel.bytes.set(src, at + size);
    const vectorized = size - (size % KERNEL_LANES);
    kernel.newest4(at + size, at, vectorized);
    for (let p = vectorized; p < size; p++) kernel.bytes[at + p] = kernel.bytes[at + size + 4 * p + 3]!;
    return true;
  }
}

function sameElements(a: ArrayLike<number>, aOffset: number, b: ArrayLike<number>, bOffset: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}
