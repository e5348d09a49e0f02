// Frames plus (or instead of) a segmenter's class masks: an agent's encoder gets "which pixels are the
// ball" as input channels instead of having to learn it from colours.
import type { Env } from '../../../envs/core.js';
import type { Space } from '../../../envs/spaces/space.js';
import { ObservationWrapper } from '../../../envs/wrappers/bases.js';
import { pixelSpace } from '../../../envs/wrappers/image/pixelSpace.js';
import { checkFrame, checkFrameSpace, type PixelSegmenter } from './models.js';

export interface MaskObservationOptions {
  /** 'append' (default): frame channels, then the masks; 'replace': the masks only. */
  mode?: 'append' | 'replace';
  /** Add a mask for the background class too. Default false. */
  includeBackground?: boolean;
}

/**
 * Adds one channel per class the segmenter knows (background left out unless asked): 255 where it
 * labels the pixel with that class, 0 elsewhere. The observation stays a uint8 Box [H, W, C'] with
 * C' = channels + masks ('append') or masks ('replace'), so pixel agents take it unchanged.
 */
export class MaskObservation<A = unknown> extends ObservationWrapper<Uint8Array, A, Uint8Array> {
  readonly segmenter: PixelSegmenter;
  readonly mode: 'append' | 'replace';
  /** The classes given a channel, in channel order (after the frame's channels when appending). */
  readonly maskClasses: readonly number[];
  /** The latest label map (height × width). */
  lastLabels: Uint8Array | null = null;
  private readonly space: Space<Uint8Array>;
  private readonly frameSize: number;

  constructor(env: Env<Uint8Array, A>, segmenter: PixelSegmenter, options: MaskObservationOptions = {}) {
    super(env);
    checkFrameSpace(env.observationSpace, segmenter.inputShape, 'MaskObservation');
    const mode = options.mode ?? 'append';
    if (mode !== 'append' && mode !== 'replace') throw new RangeError(`MaskObservation: mode must be 'append' or 'replace', got ${String(mode)}`);
    this.segmenter = segmenter;
    this.mode = mode;
    const first = options.includeBackground ? 0 : 1;
    this.maskClasses = Array.from({ length: segmenter.numClasses - first }, (_, i) => i + first);
    const [h, w, c] = segmenter.inputShape;
    this.frameSize = h * w * c;
    this.space = pixelSpace([h, w, (mode === 'append' ? c : 0) + this.maskClasses.length]);
  }

  override get observationSpace(): Space<Uint8Array> {
    return this.space;
  }

  override observation(frame: Uint8Array): Uint8Array {
    checkFrame(frame, this.frameSize, 'MaskObservation');
    const [h, w, c] = this.segmenter.inputShape;
    const labels = this.segmenter.segment([frame])[0]!;
    this.lastLabels = labels;
    const keep = this.mode === 'append' ? c : 0;
    const m = this.maskClasses.length;
    const depth = keep + m;
    // Label → its mask channel, or −1 for a class without one.
    const channelOf = new Int32Array(this.segmenter.numClasses).fill(-1);
    this.maskClasses.forEach((cls, i) => (channelOf[cls] = i));
    const out = new Uint8Array(h * w * depth);
    for (let p = 0; p < h * w; p++) {
      const o = p * depth;
      for (let ch = 0; ch < keep; ch++) out[o + ch] = frame[p * c + ch]!;
      const mc = channelOf[labels[p]!]!;
      if (mc >= 0) out[o + keep + mc] = 255;
    }
    return out;
  }
}
