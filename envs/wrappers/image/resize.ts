import type { Env } from '../../core.js';
import type { Space } from '../../spaces/space.js';
import { ObservationWrapper } from './observationWrapper.js';
import { checkLength, imageShapeOf, pixelSpace } from './pixelSpace.js';
import { Resampler, type Interpolation } from './resample.js';

export interface ResizeOptions {
  /** Output [height, width]. */
  shape: readonly [number, number];
  /** 'area' (default, box-filter average, as Gymnasium's Atari preprocessing) or 'bilinear'. */
  interpolation?: Interpolation;
}

/** Resizes pixel observations to [h, w] (keeping the channel axis, if any). */
export class ResizeObservation<A = unknown> extends ObservationWrapper<Uint8Array, A, Uint8Array> {
  readonly interpolation: Interpolation;
  private readonly space: Space<Uint8Array>;
  private readonly resampler: Resampler;
  private readonly inSize: number;
  private readonly outSize: number;

  constructor(env: Env<Uint8Array, A>, opts: ResizeOptions) {
    super(env);
    const img = imageShapeOf(env.observationSpace, 'ResizeObservation');
    const shape = opts?.shape;
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0))
      throw new RangeError(`ResizeObservation: shape must be [height, width] of positive integers, got ${JSON.stringify(shape)}`);
    const interpolation = opts.interpolation ?? 'area';
    if (interpolation !== 'area' && interpolation !== 'bilinear')
      throw new RangeError(`ResizeObservation: interpolation must be 'area' or 'bilinear', got ${JSON.stringify(interpolation)}`);
    const [h, w] = shape;
    this.interpolation = interpolation;
    this.resampler = new Resampler(img.height, img.width, img.channels, h, w, interpolation);
    this.inSize = img.height * img.width * img.channels;
    this.outSize = h * w * img.channels;
    this.space = pixelSpace(img.hasChannelAxis ? [h, w, img.channels] : [h, w]);
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  protected observation(obs: Uint8Array): Uint8Array {
    checkLength(obs, this.inSize, 'ResizeObservation');
    // Fresh output (callers may keep observations); the weight tables and scratch rows are reused.
    return this.resampler.resize(obs, new Uint8Array(this.outSize));
  }
}
