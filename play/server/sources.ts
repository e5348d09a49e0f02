// Where the shown states come from, per mode, and what the page's controls do to it.
import { Observable, asyncScheduler, map, of, tap, throttleTime, type OperatorFunction } from 'rxjs';
import type { Agent } from '../../agents/agent.js';
import type { Env } from '../../envs/core.js';
import { randomPolicy, toActFunction } from '../../envs/streams/policy.js';
import type { Policy, StepContext } from '../../envs/streams/types.js';
import type { ViewerClient } from './clients.js';
import { EnvStepper, type ActionChooser } from './envStepper.js';
import { HeldKeys, actionForKeys, boundKeys } from './heldKeys.js';
import { PacedLoop } from './pacedLoop.js';
import type { ClientMessage, ViewerMode } from './protocol.js';
import type { Snapshot, StreamTracker } from './snapshot.js';

export interface SourceStatus {
  paused: boolean;
  stepsPerSecond: number | null;
}

/**
 * Decides when the next step of someone else's loop may be shown: at most `maxFps` a second, and
 * never using more than `share` of the wall time for building and sending frames (an agent's
 * explain() on a big network is not free). Its cost is measured by whoever publishes.
 */
export class SendGate {
  private nextAt = 0;
  private readonly minIntervalMs: number;

  constructor(
    maxFps: number,
    private readonly share: number,
  ) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`the viewer's time share must be in (0, 1], got ${String(share)}`);
    this.minIntervalMs = Number.isFinite(maxFps) ? 1000 / maxFps : 0;
  }

  open(): boolean {
    return performance.now() >= this.nextAt;
  }

  /** Records a publish that ran from `start` to `end` (ms): the next one waits so that cost stays within the share. */
  spent(start: number, end: number): void {
    const cost = end - start;
    this.nextAt = start + Math.max(this.minIntervalMs, cost / this.share);
  }
}

/** A mode: the states to show, the status to report, and what the controls do. */
export interface ViewerSource {
  /** Set in stream mode: the publisher reports its cost here. */
  readonly gate?: SendGate;
  readonly mode: ViewerMode;
  /** KeyboardEvent.code values the page should forward (play mode). */
  readonly keys: string[];
  readonly snapshots$: Observable<Snapshot>;
  /** Emits the current status, then every change. */
  readonly status$: Observable<SourceStatus>;
  status(): SourceStatus;
  /** Applies a control message; returns false when this mode has no use for it. */
  handle(msg: ClientMessage, client: ViewerClient): boolean;
  close(): void;
}

/** Passes at most one value per `1000 / fps` ms (the first of each window); everything when fps is Infinity. */
function atMost<T>(fps: number): (source: Observable<T>) => Observable<T> {
  return (source) => (Number.isFinite(fps) ? source.pipe(throttleTime(1000 / fps, asyncScheduler, { leading: true, trailing: false })) : source);
}

/**
 * Follows every step (the tracker's bookkeeping) and turns into snapshots only those steps that
 * `due()` lets through. One operator rather than tap + filter + map: this runs on every step of a
 * training run, so each layer of subscribers is a cost the trainer pays.
 */
export function followAndSample<T>(tracker: StreamTracker<T>, due: () => boolean): OperatorFunction<T, Snapshot> {
  return (source) =>
    new Observable<Snapshot>((subscriber) =>
      source.subscribe({
        next: (step) => {
          let snap: Snapshot | null = null;
          try {
            tracker.observe(step);
            if (due()) snap = tracker.snapshotOf(step);
          } catch (err) {
            subscriber.error(err); // the viewer stops following; the trainer's stream is not touched
            return;
          }
          if (snap) subscriber.next(snap);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * Stream mode: someone else's steps (a training run). The run is never paused or slowed: every
 * step is only counted (episode return) unless a page is connected and the gate is open, and
 * only then turned into a snapshot. Pause and single step act per page.
 */
export function streamSource<T>(steps$: Observable<T>, tracker: StreamTracker<T>, hasClients: () => boolean, gate: SendGate): ViewerSource {
  const snapshots$ = steps$.pipe(followAndSample(tracker, () => hasClients() && gate.open()));
  const status: SourceStatus = { paused: false, stepsPerSecond: null };
  return {
    mode: 'stream',
    gate,
    keys: [],
    snapshots$,
    status$: of(status),
    status: () => status,
    handle(msg, client) {
      switch (msg.type) {
        case 'pause':
          client.paused = true;
          return true;
        case 'resume':
          client.paused = false;
          client.singleSteps = 0;
          return true;
        case 'step':
          client.paused = true;
          client.singleSteps = Math.min(client.singleSteps + 1, 10);
          return true;
        default:
          return false;
      }
    },
    close: () => {},
  };
}

export interface LoopSourceOptions<O, A> {
  mode: 'watch' | 'play';
  env: Env<O, A>;
  agent: Agent<O, A> | null;
  policy: Policy<O, A> | null;
  seed: number | undefined;
  stepsPerSecond: number;
  paused: boolean;
  maxSendFps: number;
  onError: (err: unknown) => void;
  /** Sees every state of the loop, before any is dropped for the pages (recording, episode ends). */
  observe: (snap: Snapshot<O, A>) => void;
}

/** Watch: the agent acts greedily, else the policy, else a random policy seeded like the env. */
function watchChooser<O, A>(o: LoopSourceOptions<O, A>, seed: number | undefined): ActionChooser<O, A> {
  if (o.agent) {
    const agent = o.agent;
    return (obs) => agent.act(obs, { explore: false });
  }
  const act = o.policy ? toActFunction(o.policy) : null;
  const context: StepContext = { episode: 0, t: 0, globalStep: 0, explore: false };
  if (act) return (obs) => act(obs, context);
  const random = randomPolicy(o.env.actionSpace, seed);
  return () => random(undefined);
}

/**
 * Watch and play: the server owns the env loop and paces it; pause, single step, speed and
 * restart-with-seed drive it. In play mode the action comes from the keys the page holds (see
 * actionForKeys for the rule when no key is held).
 */
export function loopSource<O, A>(o: LoopSourceOptions<O, A>): ViewerSource {
  let held: HeldKeys | null = null;
  let keys: string[] = [];
  let bindings: Record<string, A> = {};
  if (o.mode === 'play') {
    bindings = typeof o.env.keysToAction === 'function' ? o.env.keysToAction() : {};
    if (Object.keys(bindings).length === 0) throw new Error(`play: ${o.env.spec?.id ?? 'this env'} has no key bindings (keysToAction)`);
    held = new HeldKeys(bindings);
    keys = boundKeys(bindings);
  }
  const makeStepper = (seed: number | undefined): EnvStepper<O, A> => {
    const choose: ActionChooser<O, A> = held ? () => actionForKeys(bindings, held!.codes) : watchChooser(o, seed);
    return new EnvStepper(o.env, choose, seed);
  };
  const loop = new PacedLoop<O, A>(makeStepper, { paused: o.paused, stepsPerSecond: o.stepsPerSecond }, o.seed, o.onError);
  const status = (): SourceStatus => ({ paused: loop.state.paused, stepsPerSecond: loop.state.stepsPerSecond });
  return {
    mode: o.mode,
    keys,
    snapshots$: loop.snapshots$.pipe(tap(o.observe), atMost<Snapshot<O, A>>(o.maxSendFps)) as Observable<Snapshot>,
    status$: loop.state$.pipe(map(() => status())),
    status,
    handle(msg) {
      switch (msg.type) {
        case 'pause':
          loop.pause();
          return true;
        case 'resume':
          loop.resume();
          return true;
        case 'step':
          loop.stepOnce();
          return true;
        case 'speed':
          loop.setSpeed(msg.stepsPerSecond);
          return true;
        case 'restart':
          held?.clear();
          loop.restart(msg.seed);
          return true;
        case 'keydown':
          return held ? held.down(msg.code) : false;
        case 'keyup':
          return held ? held.up(msg.code) : false;
        default:
          return false;
      }
    },
    close: () => loop.complete(),
  };
}
