import { allocWasmMemory, createStackKernel, type StackKernel } from './stackKernel.js';
import { allocObsArray, type ObsArrayOf, type ObsDtype } from './types.js';

/** Per-chunk SIMD stacking support: the kernel, the chunk's memory as bytes, and its scratch area. */
export interface ChunkKernel extends StackKernel {
  /** The whole wasm memory of the chunk: frames from byte 0, then the scratch area. */
  readonly bytes: Uint8Array;
  readonly scratchOffset: number;
}

/** Wasm memories stay well under the 4 GiB a 32-bit memory can address. */
const MAX_WASM_CHUNK_BYTES = 2 ** 31;

/**
 * Fixed-size frames in preallocated typed arrays, split into chunks of at most `maxChunkBytes`:
 * Node 20 caps one typed array at 4 GiB, and a million 84×84 frames take 7 GB.
 *
 * With `scratchBytes` > 0 (uint8 frames, wasm SIMD available) each chunk lives in its own wasm
 * memory followed by a scratch area, so the stacking kernel reads frames in place and writes
 * stacks to the scratch area without copying frames out first.
 */
export class FrameStore<D extends ObsDtype> {
  readonly dtype: D;
  readonly frameSize: number;
  readonly numFrames: number;
  readonly framesPerChunk: number;
  readonly chunks: readonly ObsArrayOf<D>[];
  /** One per chunk when the store is wasm-backed, else empty. */
  readonly kernels: readonly ChunkKernel[];

  constructor(dtype: D, frameSize: number, numFrames: number, maxChunkBytes = 2 ** 30, scratchBytes = 0) {
    const bpe = dtype === 'uint8' ? 1 : 4;
    const bytesPerFrame = frameSize * bpe;
    const wasm = scratchBytes > 0 && dtype === 'uint8';
    const chunkBytes = wasm ? Math.min(maxChunkBytes, MAX_WASM_CHUNK_BYTES - scratchBytes) : maxChunkBytes;
    this.dtype = dtype;
    this.frameSize = frameSize;
    this.numFrames = numFrames;
    this.framesPerChunk = Math.max(1, Math.floor(chunkBytes / bytesPerFrame));
    const chunks: ObsArrayOf<D>[] = [];
    const kernels: ChunkKernel[] = [];
    for (let start = 0; start < numFrames; start += this.framesPerChunk) {
      const frames = Math.min(this.framesPerChunk, numFrames - start);
      if (wasm) {
        const frameBytes = frames * frameSize;
        const memory = allocWasmMemory(frameBytes + scratchBytes);
        const kernel = createStackKernel(memory);
        if (kernel === null) throw new Error('FrameStore: wasm SIMD kernel unavailable');
        chunks.push(new Uint8Array(memory.buffer, 0, frameBytes) as ObsArrayOf<D>);
        kernels.push({ ...kernel, bytes: new Uint8Array(memory.buffer), scratchOffset: frameBytes });
      } else {
        chunks.push(allocObsArray(dtype, frames * frameSize));
      }
    }
    this.chunks = chunks;
    this.kernels = kernels;
  }

  /** Index of the chunk holding frame `slot`. */
  chunkIndexOf(slot: number): number {
    return Math.floor(slot / this.framesPerChunk);
  }

  /** The chunk holding frame `slot`. */
  chunkOf(slot: number): ObsArrayOf<D> {
    return this.chunks[Math.floor(slot / this.framesPerChunk)]!;
  }

  /** Element offset of frame `slot` inside its chunk (a byte offset in its wasm memory when wasm-backed). */
  offsetOf(slot: number): number {
    return (slot % this.framesPerChunk) * this.frameSize;
  }

  /** Byte views over frames [start, start + count), chunk by chunk, for file IO. */
  *byteViews(start: number, count: number): Generator<Uint8Array> {
    const bpe = this.dtype === 'uint8' ? 1 : 4;
    let slot = start;
    const end = start + count;
    while (slot < end) {
      const chunk = this.chunkOf(slot);
      const inChunk = Math.min(end - slot, this.framesPerChunk - (slot % this.framesPerChunk));
      const byteStart = chunk.byteOffset + this.offsetOf(slot) * bpe;
      yield new Uint8Array(chunk.buffer, byteStart, inChunk * this.frameSize * bpe);
      slot += inChunk;
    }
  }

  bytesFor(count: number): number {
    return count * this.frameSize * (this.dtype === 'uint8' ? 1 : 4);
  }
}
