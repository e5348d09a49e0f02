// The agent's pixel frame for the page: the observation itself when it is an image, else the env's
// scene rasterized (or its render() scaled down) to a size a page can upload every step.
import type { Env } from '../../envs/core.js';
import { rasterize } from '../../envs/render/rasterize.js';
import type { Frame, Scene } from '../../envs/render/scene.js';
import { Box } from '../../envs/spaces/box.js';
import type { Space } from '../../envs/spaces/space.js';

/** How to read an image observation: height × width × channels, and which channels to show. */
export interface ImageLayout {
  height: number;
  width: number;
  channels: number;
  /** Show channels [first, first + 3) as RGB, or channel `first` as grey when `grey`. */
  first: number;
  grey: boolean;
}

/**
 * The image layout of an observation space, or null when its observations are not pictures.
 * A uint8 Box of shape [H, W], [H, W, 1] or [H, W, 3] whose values go above 1 is an image;
 * stacked frames show their newest one (the last 3 channels when C is a multiple of 3, else the
 * last channel as grey). 0/1 channel boards (MinAtar, Catch 'grid') are not images.
 */
export function imageLayout(space: Space<unknown> | null | undefined): ImageLayout | null {
  if (!(space instanceof Box) || space.dtype !== 'uint8') return null;
  const shape = space.shape;
  if (shape.length !== 2 && shape.length !== 3) return null;
  let maxHigh = 0;
  for (let i = 0; i < space.high.length; i++) maxHigh = Math.max(maxHigh, space.high[i]!);
  if (maxHigh <= 1) return null;
  const [height, width] = shape as [number, number];
  const channels = shape.length === 3 ? shape[2]! : 1;
  if (height <= 0 || width <= 0 || channels <= 0) return null;
  if (channels === 3 || (channels > 3 && channels % 3 === 0)) return { height, width, channels, first: channels - 3, grey: false };
  return { height, width, channels, first: channels - 1, grey: true };
}

/** The largest size with the aspect of width × height whose long side is at most maxSide (never upscales). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const side = Math.max(width, height);
  if (side <= maxSide) return { width, height };
  const f = maxSide / side;
  return { width: Math.max(1, Math.round(width * f)), height: Math.max(1, Math.round(height * f)) };
}

/**
 * Produces the page's pixel frame into one reused buffer (callers copy it into the message they
 * send). Holds no per-step state besides that buffer.
 */
export class FrameGrabber {
  private buffer = new Uint8Array(0);
  private readonly layout: ImageLayout | null;

  constructor(
    observationSpace: Space<unknown> | null | undefined,
    private readonly maxSide: number,
  ) {
    if (!Number.isInteger(maxSide) || maxSide < 1) throw new RangeError(`FrameGrabber: maxSide must be a positive integer, got ${maxSide}`);
    this.layout = imageLayout(observationSpace);
  }

  /** Whether observations are shown as they are (rather than the env's rendering). */
  get usesObservation(): boolean {
    return this.layout !== null;
  }

  /**
   * The frame for the state whose observation is `observation`: the observation when it is an
   * image, else `scene` (when given) rasterized, else `env.render()` scaled down. Null when there is
   * nothing to show. The returned data is this grabber's buffer: valid until the next call.
   */
  grab(observation: unknown, scene: Scene | null, env: Env<unknown, unknown> | null): Frame | null {
    const layout = this.layout;
    if (layout && observation instanceof Uint8Array && observation.length === layout.height * layout.width * layout.channels)
      return this.fromImage(observation, layout);
    if (scene) {
      const size = fitWithin(scene.width, scene.height, this.maxSide);
      return rasterize(scene, size.width, size.height, this.target(size.width, size.height));
    }
    const rendered = env ? env.render() : null;
    if (!rendered) return null;
    return this.fromRgb(rendered);
  }

  private target(width: number, height: number): Uint8Array {
    const n = width * height * 3;
    if (this.buffer.length < n) this.buffer = new Uint8Array(n);
    return this.buffer.subarray(0, n);
  }

  /** Nearest-neighbour from an H × W × C image, picking the shown channels, scaled to fit. */
  private fromImage(obs: Uint8Array, l: ImageLayout): Frame {
    const { width, height } = fitWithin(l.width, l.height, this.maxSide);
    const out = this.target(width, height);
    for (let y = 0; y < height; y++) {
      const srcRow = Math.floor((y * l.height) / height) * l.width;
      for (let x = 0; x < width; x++) {
        const s = (srcRow + Math.floor((x * l.width) / width)) * l.channels + l.first;
        const d = (y * width + x) * 3;
        if (l.grey) {
          const v = obs[s]!;
          out[d] = v;
          out[d + 1] = v;
          out[d + 2] = v;
        } else {
          out[d] = obs[s]!;
          out[d + 1] = obs[s + 1]!;
          out[d + 2] = obs[s + 2]!;
        }
      }
    }
    return { width, height, data: out };
  }

  private fromRgb(frame: Frame): Frame {
    return this.fromImage(frame.data, { height: frame.height, width: frame.width, channels: 3, first: 0, grey: false });
  }
}
