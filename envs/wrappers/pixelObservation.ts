import type { Env, ResetOptions, ResetResult, StepResult } from '../core.js';
import type { Frame } from '../render/scene.js';
import { Box } from '../spaces/box.js';
import { Dict } from '../spaces/dict.js';
import type { Space } from '../spaces/space.js';
import { Wrapper } from './wrapper.js';

/** The observation when the state is kept: the frame under 'pixels', the inner observation under 'state'. */
export interface PixelStateObservation<S = unknown> {
  pixels: Uint8Array;
  state: S;
}

export interface PixelObservationOptions {
  /** Keep the inner observation too: observations become { pixels, state } in a Dict space (default false). */
  keepState?: boolean;
  /** Frame size; when left out, it is read from one render() (after a reset if the env cannot render before one). */
  width?: number;
  height?: number;
}

/**
 * The rendered frame becomes the observation (Gymnasium's AddRenderObservation): a uint8 Box of
 * shape [height, width, 3], HWC. With `keepState` the observation is { pixels, state }. Each
 * observation owns a copy of the frame's pixels.
 */
export class PixelObservation<A, O extends Uint8Array | PixelStateObservation = Uint8Array> extends Wrapper<O, A, unknown, A> {
  readonly keepState: boolean;
  readonly width: number;
  readonly height: number;
  private readonly pixelSpace: Box;
  private readonly space: Space<O>;

  constructor(env: Env<unknown, A>, options: PixelObservationOptions = {}) {
    super(env);
    this.keepState = options.keepState ?? false;
    const size = PixelObservation.frameSize(env, options);
    this.width = size.width;
    this.height = size.height;
    this.pixelSpace = new Box(0, 255, [this.height, this.width, 3], 'uint8');
    const space = this.keepState ? new Dict({ pixels: this.pixelSpace, state: env.observationSpace }) : this.pixelSpace;
    this.space = space as unknown as Space<O>;
  }

  private static frameSize(env: Env<unknown, unknown>, options: PixelObservationOptions): { width: number; height: number } {
    const { width, height } = options;
    if (width !== undefined || height !== undefined) {
      if (!Number.isInteger(width) || !Number.isInteger(height) || width! <= 0 || height! <= 0)
        throw new RangeError(`PixelObservation: width and height must both be positive integers, got ${width}×${height}`);
      return { width: width!, height: height! };
    }
    let frame: Frame | null = null;
    try {
      frame = env.render();
    } catch {
      frame = null;
    }
    if (!frame) {
      env.reset();
      frame = env.render();
    }
    if (!frame) throw new Error('PixelObservation: the env does not render (render() returned null)');
    return { width: frame.width, height: frame.height };
  }

  override get observationSpace(): Space<O> {
    return this.space;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(opts) as unknown as ResetResult<unknown>;
    r.observation = this.observe(r.observation);
    return r as ResetResult<O>;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action) as unknown as StepResult<unknown>;
    r.observation = this.observe(r.observation);
    return r as StepResult<O>;
  }

  private pixels(): Uint8Array {
    const frame = this.env.render();
    if (!frame) throw new Error('PixelObservation: render() returned null');
    if (frame.width !== this.width || frame.height !== this.height)
      throw new RangeError(`PixelObservation: render() gave a ${frame.width}×${frame.height} frame, the observation space is ${this.width}×${this.height}`);
    // Always a copy: an env may render into one reused buffer, and observations must not alias.
    return frame.data.slice();
  }

  private observe(state: unknown): unknown {
    const pixels = this.pixels();
    return this.keepState ? { pixels, state } : pixels;
  }
}
