// Buttons and keys → control messages. In play mode the env's own keys go to the server as
// keydown/keyup; they win over the viewer's shortcuts (P always pauses).
import { Observable, filter, fromEvent, map, merge, mergeMap, of, EMPTY } from 'rxjs';
import { MAX_STEPS_PER_SECOND, MIN_STEPS_PER_SECOND, type ClientMessage, type ViewerMode } from '../server/protocol.js';

export interface ControlState {
  mode: ViewerMode | null;
  paused: boolean;
  stepsPerSecond: number | null;
  /** Key codes the env binds (play mode). */
  envKeys: ReadonlySet<string>;
}

function button(id: string): HTMLButtonElement {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLButtonElement)) throw new Error(`viewer: the page has no button #${id}`);
  return el;
}

function speedTimes(state: ControlState, factor: number): ClientMessage | null {
  if (state.stepsPerSecond === null) return null;
  const sps = Math.min(MAX_STEPS_PER_SECOND, Math.max(MIN_STEPS_PER_SECOND, state.stepsPerSecond * factor));
  return { type: 'speed', stepsPerSecond: sps };
}

function restart(): ClientMessage {
  const input = document.getElementById('seed') as HTMLInputElement | null;
  const seed = input ? Number(input.value) : NaN;
  return Number.isSafeInteger(seed) ? { type: 'restart', seed } : { type: 'restart' };
}

function shortcut(e: KeyboardEvent, state: ControlState): ClientMessage | null {
  switch (e.code) {
    case 'Space':
    case 'KeyP':
      return { type: state.paused ? 'resume' : 'pause' };
    case 'Period':
      return { type: 'step' };
    case 'Equal':
    case 'NumpadAdd':
      return speedTimes(state, 2);
    case 'Minus':
    case 'NumpadSubtract':
      return speedTimes(state, 0.5);
    case 'KeyR':
      return restart();
    default:
      return null;
  }
}

/** Typing in the seed box is not a shortcut. */
function inInput(e: Event): boolean {
  return e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
}

export function controlMessages$(getState: () => ControlState): Observable<ClientMessage> {
  const clicks$ = merge(
    fromEvent(button('pause'), 'click').pipe(map((): ClientMessage => ({ type: getState().paused ? 'resume' : 'pause' }))),
    fromEvent(button('step'), 'click').pipe(map((): ClientMessage => ({ type: 'step' }))),
    fromEvent(button('faster'), 'click').pipe(map(() => speedTimes(getState(), 2))),
    fromEvent(button('slower'), 'click').pipe(map(() => speedTimes(getState(), 0.5))),
    fromEvent(button('restart'), 'click').pipe(map(() => restart())),
  );
  const keydown$ = fromEvent<KeyboardEvent>(window, 'keydown').pipe(
    filter((e) => !inInput(e)),
    mergeMap((e): Observable<ClientMessage | null> => {
      const state = getState();
      if (state.mode === 'play' && state.envKeys.has(e.code)) {
        e.preventDefault();
        return e.repeat ? EMPTY : of({ type: 'keydown', code: e.code });
      }
      if (e.repeat) return EMPTY;
      const msg = shortcut(e, state);
      if (msg) e.preventDefault();
      return of(msg);
    }),
  );
  const keyup$ = fromEvent<KeyboardEvent>(window, 'keyup').pipe(
    filter((e) => getState().mode === 'play' && getState().envKeys.has(e.code)),
    map((e): ClientMessage => ({ type: 'keyup', code: e.code })),
  );
  // A key released while the tab was in the background never sends keyup: release them all.
  const blur$ = fromEvent(window, 'blur').pipe(mergeMap(() => [...getState().envKeys].map((code): ClientMessage => ({ type: 'keyup', code }))));
  return merge(clicks$, keydown$, keyup$, blur$).pipe(filter((m): m is ClientMessage => m !== null));
}
