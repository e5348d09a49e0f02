import type { Env, ResetOptions, ResetResult, StepResult } from '../../core.js';
import type { Space } from '../../spaces/space.js';
import { Wrapper } from '../wrapper.js';
import { LazyFrames, interleaveFrames } from './lazyFrames.js';
import { checkLength, imageShapeOf, pixelSpace } from './pixelSpace.js';

export interface FrameStackOptions<L extends boolean> {
  /** Number of frames k; default 4. */
  stackSize?: number;
  /** Give `LazyFrames` (references) instead of a contiguous array; default false. */
  lazy?: L;
}

/** What a FrameStack observes: a contiguous array by default, `LazyFrames` with `lazy: true`. */
export type StackedObservation<L extends boolean> = L extends true ? LazyFrames : Uint8Array;

/**
 * Stacks the k most recent frames along the channel axis: [H, W, C] → [H, W, C·k] (and [H, W] →
 * [H, W, k]), oldest first, the layout tfjs NHWC convolutions take. After reset the first frame
 * fills all k places.
 *
 * Trade-off: the default returns one fresh contiguous array a step (k frames copied), ready for a
 * network, and costs k × the memory wherever observations are kept. `lazy: true` copies each
 * incoming frame once into its own array and returns `LazyFrames` holding references to k of them:
 * stacks share frames, so keeping many costs about one frame each, and the copy into a contiguous
 * array is deferred to `toArray()`. Either way no observation already returned changes later: the
 * contiguous ones are fresh, and a lazy frame is never written after it is stored.
 */
export class FrameStack<A = unknown, L extends boolean = false> extends Wrapper<StackedObservation<L>, A, Uint8Array, A> {
  readonly stackSize: number;
  readonly lazy: boolean;
  private readonly space: Space<Uint8Array>;
  private readonly height: number;
  private readonly width: number;
  private readonly channels: number;
  private readonly frameSize: number;
  /** The last k frames; `newest` indexes the latest. Contiguous mode overwrites slots in place. */
  private readonly ring: Uint8Array[];
  private newest = 0;

  constructor(env: Env<Uint8Array, A>, opts: FrameStackOptions<L> = {}) {
    super(env);
    const img = imageShapeOf(env.observationSpace, 'FrameStack');
    const k = opts.stackSize ?? 4;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`FrameStack: stackSize must be a positive integer, got ${String(k)}`);
    this.stackSize = k;
    this.lazy = opts.lazy === true;
    this.height = img.height;
    this.width = img.width;
    this.channels = img.channels;
    this.frameSize = img.height * img.width * img.channels;
    this.space = pixelSpace([img.height, img.width, img.channels * k]);
    this.ring = this.lazy ? [] : Array.from({ length: k }, () => new Uint8Array(this.frameSize));
  }

  /** The [H, W, C·k] Box (with `lazy: true`, the shape `LazyFrames.toArray()` returns). */
  override get observationSpace(): Space<StackedObservation<L>> {
    return this.space as unknown as Space<StackedObservation<L>>;
  }

  override reset(opts?: ResetOptions): ResetResult<StackedObservation<L>> {
    const r = this.env.reset(opts);
    checkLength(r.observation, this.frameSize, 'FrameStack');
    if (this.lazy) {
      const first = r.observation.slice();
      for (let i = 0; i < this.stackSize; i++) this.ring[i] = first;
    } else {
      for (const slot of this.ring) slot.set(r.observation);
    }
    this.newest = this.stackSize - 1;
    return { observation: this.stacked(), info: r.info };
  }

  override step(action: A): StepResult<StackedObservation<L>> {
    const r = this.env.step(action);
    checkLength(r.observation, this.frameSize, 'FrameStack');
    this.newest = (this.newest + 1) % this.stackSize;
    // Copy: the inner env may hand out the same buffer every step.
    if (this.lazy) this.ring[this.newest] = r.observation.slice();
    else this.ring[this.newest]!.set(r.observation);
    return { observation: this.stacked(), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }

  private stacked(): StackedObservation<L> {
    const oldest = (this.newest + 1) % this.stackSize;
    if (this.lazy) {
      const frames: Uint8Array[] = [];
      for (let i = 0; i < this.stackSize; i++) frames.push(this.ring[(oldest + i) % this.stackSize]!);
      return new LazyFrames(frames, this.height, this.width, this.channels) as StackedObservation<L>;
    }
    const out = new Uint8Array(this.frameSize * this.stackSize);
    return interleaveFrames(this.ring, oldest, this.channels, out) as StackedObservation<L>;
  }
}
