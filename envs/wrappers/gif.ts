import { createRequire } from 'node:module';
import type { Frame } from '../render/scene.js';

type Palette = number[][];
interface GifStream {
  writeFrame(index: Uint8Array, width: number, height: number, opts: { palette?: Palette; delay?: number; repeat?: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}
interface GifencApi {
  GIFEncoder(opts?: { initialCapacity?: number }): GifStream;
  quantize(rgba: Uint8Array, maxColors: number): Palette;
  applyPalette(rgba: Uint8Array, palette: Palette): Uint8Array;
}

// gifenc ships CommonJS without type declarations: load it through require, typed by the interface above.
const gifenc = createRequire(import.meta.url)('gifenc') as GifencApi;

export interface GifOptions {
  /** Playback speed; GIF delays are whole hundredths of a second, so it is rounded to that. */
  fps: number;
  /** 0 loops forever (default), −1 plays once, n > 0 repeats n more times. */
  repeat?: number;
}

/** The frame's palette and indices: exact when it has at most 256 colors (flat scenes), else quantized. */
function indexFrame(frame: Frame): { palette: Palette; index: Uint8Array } {
  const n = frame.width * frame.height;
  const { data } = frame;
  const index = new Uint8Array(n);
  const lookup = new Map<number, number>();
  const palette: Palette = [];
  let lastColor = -1;
  let lastIndex = 0;
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const color = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    if (color !== lastColor) {
      let k = lookup.get(color);
      if (k === undefined) {
        if (palette.length === 256) return quantizeFrame(frame);
        k = palette.length;
        lookup.set(color, k);
        palette.push([data[i]!, data[i + 1]!, data[i + 2]!]);
      }
      lastColor = color;
      lastIndex = k;
    }
    index[p] = lastIndex;
  }
  return { palette, index };
}

function quantizeFrame(frame: Frame): { palette: Palette; index: Uint8Array } {
  const n = frame.width * frame.height;
  const rgba = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    rgba[p * 4] = frame.data[p * 3]!;
    rgba[p * 4 + 1] = frame.data[p * 3 + 1]!;
    rgba[p * 4 + 2] = frame.data[p * 3 + 2]!;
    rgba[p * 4 + 3] = 255;
  }
  const palette = gifenc.quantize(rgba, 256);
  return { palette, index: gifenc.applyPalette(rgba, palette) };
}

function checkFrame(frame: Frame, i: number, width: number, height: number): void {
  if (!frame || !(frame.data instanceof Uint8Array)) throw new TypeError(`encodeGif: frame ${i} is not a { width, height, data: Uint8Array } frame`);
  if (frame.width !== width || frame.height !== height)
    throw new RangeError(`encodeGif: frame ${i} is ${frame.width}×${frame.height}, the first frame is ${width}×${height}`);
  if (frame.data.length !== width * height * 3)
    throw new RangeError(`encodeGif: frame ${i} has ${frame.data.length} bytes, ${width}×${height} RGB needs ${width * height * 3}`);
}

/** Encodes RGB frames of one size into an animated GIF (bytes of a .gif file), each frame with its own palette. */
export function encodeGif(frames: readonly Frame[], options: GifOptions): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif: no frames');
  if (!(options.fps > 0) || !Number.isFinite(options.fps)) throw new RangeError(`encodeGif: fps must be a positive number, got ${options.fps}`);
  const { width, height } = frames[0]!;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 65535 || height > 65535)
    throw new RangeError(`encodeGif: bad frame size ${width}×${height}`);
  frames.forEach((f, i) => checkFrame(f, i, width, height));
  const gif = gifenc.GIFEncoder({ initialCapacity: 1 << 16 });
  const delay = 1000 / options.fps;
  const repeat = options.repeat ?? 0;
  for (const frame of frames) {
    const { palette, index } = indexFrame(frame);
    gif.writeFrame(index, width, height, { palette, delay, repeat });
  }
  gif.finish();
  return gif.bytes();
}

/** Nearest-neighbour resize to width × height (pixel frames stay crisp). */
export function resizeNearest(frame: Frame, width: number, height: number): Frame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0)
    throw new RangeError(`resizeNearest: bad size ${width}×${height}`);
  if (width === frame.width && height === frame.height) return frame;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = Math.floor((y * frame.height) / height) * frame.width;
    for (let x = 0; x < width; x++) {
      const s = (row + Math.floor((x * frame.width) / width)) * 3;
      const d = (y * width + x) * 3;
      data[d] = frame.data[s]!;
      data[d + 1] = frame.data[s + 1]!;
      data[d + 2] = frame.data[s + 2]!;
    }
  }
  return { width, height, data };
}

/** Nearest-neighbour upscale by an integer factor (small pixel frames make unwatchable GIFs). */
export function upscaleFrame(frame: Frame, factor: number): Frame {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`upscaleFrame: factor must be a positive integer, got ${factor}`);
  return resizeNearest(frame, frame.width * factor, frame.height * factor);
}
