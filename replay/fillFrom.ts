import type { Observable, Subscription } from 'rxjs';
import type { Transition } from './types.js';

/**
 * The minimal step a stream must carry; any richer step type (envs/streams) fits. A step from a
 * vector env may say which env it came from in `envIndex`.
 */
export interface StepLike extends Transition {
  readonly envIndex?: number;
}

/** Anything transitions can be added to (the replay buffers). */
export interface TransitionSink {
  add(transition: Transition, envIndex?: number): void;
}

export interface FillFromOptions {
  /**
   * Called when the stream errors or a step is rejected (bad shape, bad action); the
   * subscription is closed first. Without it the error is rethrown asynchronously, as rxjs does
   * for unhandled errors.
   */
  onError?: (err: unknown) => void;
  onComplete?: () => void;
}

/** Subscribes `sink` to a stream of steps, adding each as it arrives. Unsubscribe to stop. */
export function fillFrom(sink: TransitionSink, steps$: Observable<StepLike>, opts: FillFromOptions = {}): Subscription {
  let subscription: Subscription | null = null;
  let failed = false;
  const fail = (err: unknown): void => {
    failed = true;
    subscription?.unsubscribe();
    if (opts.onError) opts.onError(err);
    else
      setTimeout(() => {
        throw err;
      });
  };
  subscription = steps$.subscribe({
    next: (step) => {
      if (failed) return;
      try {
        sink.add(step, step.envIndex ?? 0);
      } catch (err) {
        fail(err);
      }
    },
    error: (err: unknown) => fail(err),
    complete: () => opts.onComplete?.(),
  });
  // A synchronous source may have failed before `subscribe` returned.
  if (failed) subscription.unsubscribe();
  return subscription;
}
