import { allocObsArray, type ObsArrayOf, type ObsDtype } from './types.js';

/**
 * Fixed-size frames in preallocated typed arrays, split into chunks of at most `maxChunkBytes`:
 * Node 20 caps one typed array at 4 GiB, and a million 84×84 frames take 7 GB.
 */
export class FrameStore<D extends ObsDtype> {
  readonly dtype: D;
  readonly frameSize: number;
  readonly numFrames: number;
  readonly framesPerChunk: number;
  readonly chunks: readonly ObsArrayOf<D>[];

  constructor(dtype: D, frameSize: number, numFrames: number, maxChunkBytes = 2 ** 30) {
    const bytesPerFrame = frameSize * (dtype === 'uint8' ? 1 : 4);
    this.dtype = dtype;
    this.frameSize = frameSize;
    this.numFrames = numFrames;
    this.framesPerChunk = Math.max(1, Math.floor(maxChunkBytes / bytesPerFrame));
    const chunks: ObsArrayOf<D>[] = [];
    for (let start = 0; start < numFrames; start += this.framesPerChunk) {
      const frames = Math.min(this.framesPerChunk, numFrames - start);
      chunks.push(allocObsArray(dtype, frames * frameSize));
    }
    this.chunks = chunks;
  }

  /** The chunk holding frame `slot`. */
  chunkOf(slot: number): ObsArrayOf<D> {
    return this.chunks[Math.floor(slot / this.framesPerChunk)]!;
  }

  /** Element offset of frame `slot` inside its chunk. */
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
