// Explanation overlays in the viewer: a per-pixel map of the state shown (saliency of the agent's
// chosen action, say), computed after its frame is sent and drawn over it by the page. Computing a
// map blocks the server's loop, so how often it runs is bounded: every k-th frame sent, or ('auto')
// only while the maps take at most a set share of the wall time.

/** A per-pixel map, row-major, width × height values. */
export interface OverlayMap {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

/**
 * The map for the observation shown. `target` is the agent's greedy action for it (0-based) when
 * the agent can say (its explain()), else null. Null result: no overlay for this state.
 */
export type OverlayFunction<O = unknown> = (observation: O, target: number | null) => OverlayMap | null;

/** Frames between overlays: a positive integer k (every k-th frame sent), or 'auto'. */
export type OverlayEvery = number | 'auto';

/** Under 'auto', the largest share of the wall time overlays may take. */
export const AUTO_OVERLAY_SHARE = 0.5;

/** `every` as an OverlayEvery, or a RangeError naming `name` (and showing `shown`, the value as given). */
export function checkOverlayEvery(every: unknown, name = 'overlayEvery', shown = JSON.stringify(every)): OverlayEvery {
  if (every === 'auto') return every;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1 || every > 1_000_000)
    throw new RangeError(`${name} must be 'auto' or an integer in 1..1000000, got ${shown}`);
  return every;
}

/** Decides which sent frames get an overlay, and keeps what they cost. */
export class OverlaySchedule {
  private framesSinceLast = Infinity;
  private nextAt = 0;
  /** Overlays computed, and their total cost in ms. */
  computed = 0;
  totalMs = 0;

  constructor(
    readonly every: OverlayEvery,
    private readonly share = AUTO_OVERLAY_SHARE,
  ) {
    checkOverlayEvery(every);
    if (!(share > 0 && share <= 1)) throw new RangeError(`the overlays' time share must be in (0, 1], got ${String(share)}`);
  }

  /** Called for every frame sent: whether this one gets an overlay. */
  due(now: number): boolean {
    this.framesSinceLast++;
    const ok = this.every === 'auto' ? now >= this.nextAt : this.framesSinceLast >= this.every;
    if (ok) this.framesSinceLast = 0;
    return ok;
  }

  /** Records an overlay computed from `start` to `end` (ms); under 'auto' the next waits cost / share. */
  spent(start: number, end: number): void {
    const cost = end - start;
    this.computed++;
    this.totalMs += cost;
    this.nextAt = start + cost / this.share;
  }

  get meanMs(): number {
    return this.computed > 0 ? this.totalMs / this.computed : 0;
  }
}
