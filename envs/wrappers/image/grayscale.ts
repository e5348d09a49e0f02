import type { Env } from '../../core.js';
import type { Space } from '../../spaces/space.js';
import { ObservationWrapper } from './observationWrapper.js';
import { checkLength, imageShapeOf, pixelSpace } from './pixelSpace.js';

export interface GrayscaleOptions {
  /** Keep a channel axis: [H, W, 1] instead of [H, W]. Default false. */
  keepDim?: boolean;
}

/** ITU-R BT.601 luma of one RGB pixel, rounded to nearest (weights in thousandths keep it exact). */
export function luma601(r: number, g: number, b: number): number {
  return ((299 * r + 587 * g + 114 * b + 500) / 1000) | 0;
}

/** RGB → one luma channel per pixel, Y = 0.299 R + 0.587 G + 0.114 B. */
export class GrayscaleObservation<A = unknown> extends ObservationWrapper<Uint8Array, A, Uint8Array> {
  private readonly space: Space<Uint8Array>;
  private readonly pixels: number;

  constructor(env: Env<Uint8Array, A>, opts: GrayscaleOptions = {}) {
    super(env);
    const img = imageShapeOf(env.observationSpace, 'GrayscaleObservation');
    if (img.channels !== 3) throw new TypeError(`GrayscaleObservation: needs RGB observations [H, W, 3], got ${String(env.observationSpace)}`);
    this.pixels = img.height * img.width;
    this.space = pixelSpace(opts.keepDim ? [img.height, img.width, 1] : [img.height, img.width]);
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  protected observation(rgb: Uint8Array): Uint8Array {
    checkLength(rgb, this.pixels * 3, 'GrayscaleObservation');
    // A fresh array: callers (replay buffers, frame stacks) may keep observations.
    const out = new Uint8Array(this.pixels);
    for (let p = 0, i = 0; p < out.length; p++, i += 3) out[p] = luma601(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!);
    return out;
  }
}
