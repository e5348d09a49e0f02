// The server's own env loop (watch and play modes): steps at a chosen rate, pauses, single-steps
// and restarts with a seed, all driven by rxjs subjects the page's controls feed.
import {
  BehaviorSubject,
  EMPTY,
  Observable,
  Subject,
  catchError,
  concat,
  concatMap,
  defer,
  distinctUntilChanged,
  filter,
  interval,
  map,
  merge,
  of,
  range,
  switchMap,
} from 'rxjs';
import { MAX_STEPS_PER_SECOND, MIN_STEPS_PER_SECOND } from './protocol.js';
import type { Snapshot } from './snapshot.js';

export interface LoopState {
  paused: boolean;
  stepsPerSecond: number;
}

/** Anything that yields the next state on demand (an EnvStepper). */
export interface Stepper<O, A> {
  reset(): Snapshot<O, A>;
  next(): Snapshot<O, A> | null;
}

/** The timer never ticks faster than this; faster rates take several steps a tick. */
const MAX_TICKS_PER_SECOND = 60;
/** A stalled event loop is not made up for with a burst larger than this. */
const MAX_STEPS_PER_TICK = 1000;

/**
 * Steps owed after `elapsedMs` at `sps`, on top of `owed`. At most two ticks' worth are kept: a loop
 * slowed by an expensive agent or explanation overlay runs slower than asked rather than catching
 * up in a burst that would block the server (and every page) for longer still.
 */
export function owedSteps(owed: number, elapsedMs: number, sps: number): number {
  const perTick = sps / Math.min(sps, MAX_TICKS_PER_SECOND);
  return Math.min(owed + (elapsedMs * sps) / 1000, Math.max(1, Math.min(2 * perTick, MAX_STEPS_PER_TICK)));
}

export function checkStepsPerSecond(sps: number): number {
  if (typeof sps !== 'number' || !Number.isFinite(sps) || sps < MIN_STEPS_PER_SECOND || sps > MAX_STEPS_PER_SECOND)
    throw new RangeError(`stepsPerSecond must be a number in ${MIN_STEPS_PER_SECOND}..${MAX_STEPS_PER_SECOND}, got ${String(sps)}`);
  return sps;
}

/** Emits how many steps are due, about every 1/min(sps, 60) seconds, from the time actually elapsed. */
function stepClock$(sps: number): Observable<number> {
  return defer(() => {
    const periodMs = 1000 / Math.min(sps, MAX_TICKS_PER_SECOND);
    let last = performance.now();
    let owed = 0;
    return interval(periodMs).pipe(
      map(() => {
        const now = performance.now();
        owed = owedSteps(owed, now - last, sps);
        last = now;
        const n = Math.floor(owed);
        owed -= n;
        return n;
      }),
      filter((n) => n > 0),
    );
  });
}

/**
 * A pausable, paced stream of snapshots. `restart(seed)` replaces the stepper (a fresh env reset);
 * each stepper's first snapshot is its reset state. An error of the env or the policy ends the
 * current stepper (reported through `onError`); a restart starts a new one.
 */
export class PacedLoop<O, A> {
  readonly state$: BehaviorSubject<LoopState>;
  readonly snapshots$: Observable<Snapshot<O, A>>;
  private readonly single$ = new Subject<void>();
  private readonly restart$: BehaviorSubject<number | undefined>;

  constructor(
    makeStepper: (seed: number | undefined) => Stepper<O, A>,
    initial: LoopState,
    seed: number | undefined,
    onError: (err: unknown) => void,
  ) {
    checkStepsPerSecond(initial.stepsPerSecond);
    this.state$ = new BehaviorSubject<LoopState>({ ...initial });
    this.restart$ = new BehaviorSubject<number | undefined>(seed);
    const ticks$ = merge(
      this.state$.pipe(
        map((s) => (s.paused ? 0 : s.stepsPerSecond)),
        distinctUntilChanged(),
        switchMap((sps) => (sps > 0 ? stepClock$(sps) : EMPTY)),
        concatMap((n) => range(0, n)),
      ),
      this.single$,
    );
    this.snapshots$ = this.restart$.pipe(
      switchMap((s) =>
        defer(() => {
          const stepper = makeStepper(s);
          return concat(
            defer(() => of(stepper.reset())),
            ticks$.pipe(
              map(() => stepper.next()),
              filter((snap): snap is Snapshot<O, A> => snap !== null),
            ),
          );
        }).pipe(
          catchError((err: unknown) => {
            onError(err);
            return EMPTY;
          }),
        ),
      ),
    );
  }

  get state(): LoopState {
    return this.state$.value;
  }

  pause(): void {
    if (!this.state.paused) this.state$.next({ ...this.state, paused: true });
  }

  resume(): void {
    if (this.state.paused) this.state$.next({ ...this.state, paused: false });
  }

  /** Pauses, then takes one step. */
  stepOnce(): void {
    this.pause();
    this.single$.next();
  }

  setSpeed(stepsPerSecond: number): void {
    this.state$.next({ ...this.state, stepsPerSecond: checkStepsPerSecond(stepsPerSecond) });
  }

  /** A fresh episode from a reset with `seed` (unseeded when undefined). */
  restart(seed?: number): void {
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new TypeError(`restart: seed must be an integer, got ${String(seed)}`);
    this.restart$.next(seed);
  }

  complete(): void {
    this.single$.complete();
    this.state$.complete();
    this.restart$.complete();
  }
}
