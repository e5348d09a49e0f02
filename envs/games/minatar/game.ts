import type { Info } from '../../core.js';
import type { Rng } from '../../rng.js';
import type { CellPalette } from '../cellScene.js';

/** MinAtar's full action set, in its order. */
export const NOOP = 0;
export const LEFT = 1;
export const UP = 2;
export const RIGHT = 3;
export const DOWN = 4;
export const FIRE = 5;
export type MinAtarAction = 0 | 1 | 2 | 3 | 4 | 5;
export const MINATAR_ACTION_NAMES = ['noop', 'left', 'up', 'right', 'down', 'fire'] as const;
/** The key (KeyboardEvent.code) for each full-set action; '' is "no key held". */
export const MINATAR_ACTION_KEYS = ['', 'ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown', 'Space'] as const;

/** Every MinAtar board is 10 × 10 cells. */
export const GRID = 10;

/**
 * The rules of one MinAtar game, with its state in public fields (documented per game) so tests
 * and tools can set up positions directly. The env around it handles actions, stickiness and
 * observations; a game only knows its board.
 */
export interface MinAtarGame {
  /** Channel kinds, colours and draw order; `palette.kinds` are MinAtar's channel names in order. */
  readonly palette: CellPalette;
  /** The actions that change something, as full-set indices, in MinAtar's order. */
  readonly minimalActions: readonly MinAtarAction[];
  /** True once the episode is over; further `act` calls return 0 and change nothing. */
  terminal: boolean;
  /** Starts a new episode (draws from `rng` where the game is random). */
  reset(rng: Rng): void;
  /** Advances one frame under a full-set action; returns the reward. */
  act(action: MinAtarAction, rng: Rng): number;
  /** Writes the 10 × 10 × C binary channels (HWC) into `out`, which it clears first. */
  writeChannels(out: Uint8Array): void;
  /** Counters for `info` (difficulty ramp, oxygen, …). */
  info(): Info;
}
