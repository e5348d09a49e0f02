import type { Scene } from '../render/scene.js';
import { Rng, seededRng } from '../rng.js';
import { DOWN, LEFT, RIGHT, UP, moveClamped, type Direction } from './grid.js';
import { gridScene, renderSize, type GridCellKind } from './gridScene.js';
import { checkKnownKeys, readBoolean, readNumber } from './kwargs.js';
import { TabularEnv, type TabularMdp } from './tabularEnv.js';
import { mergeOutcomes, type Transition } from './tabularModel.js';

/** Gymnasium's built-in maps: S start, F frozen, H hole, G goal. */
export const FROZEN_LAKE_MAPS = {
  '4x4': ['SFFF', 'FHFH', 'FFFH', 'HFFG'],
  '8x8': ['SFFFFFFF', 'FFFFFFFF', 'FFFHFFFF', 'FFFFFHFF', 'FFFHFFFF', 'FHHFFFHF', 'FHFFHFHF', 'FFFHFFFG'],
} as const satisfies Record<string, readonly string[]>;

export type FrozenLakeMapName = keyof typeof FROZEN_LAKE_MAPS;

/** Actions in Gymnasium's order. */
export const FrozenLakeAction = { Left: 0, Down: 1, Right: 2, Up: 3 } as const;
const MOVES: readonly Direction[] = [LEFT, DOWN, RIGHT, UP];

export interface FrozenLakeOptions {
  /** A built-in map; ignored when `desc` is given. Default '4x4'. */
  mapName?: FrozenLakeMapName;
  /** A custom map as rows of S/F/H/G characters. */
  desc?: readonly string[];
  /** Default true: the intended move with probability `successRate`, each perpendicular one with the rest halved. */
  isSlippery?: boolean;
  /** Default 1/3, Gymnasium's slipperiness. */
  successRate?: number;
  /** Rewards for entering [goal, hole, frozen or start]; default [1, 0, 0]. */
  rewardSchedule?: readonly [number, number, number];
  renderWidth?: number;
  renderHeight?: number;
}

const OPTION_KEYS = ['mapName', 'desc', 'isSlippery', 'successRate', 'rewardSchedule', 'renderWidth', 'renderHeight'];

/** Checks a map: equal-length rows of S/F/H/G with at least one S. Returns a copy. */
export function checkFrozenLakeMap(desc: unknown): string[] {
  if (!Array.isArray(desc) || desc.length === 0 || !desc.every((r) => typeof r === 'string'))
    throw new TypeError(`FrozenLake: desc must be a non-empty array of strings, got ${JSON.stringify(desc)}`);
  const rows = desc as string[];
  const ncol = rows[0]!.length;
  if (ncol === 0 || rows.some((r) => r.length !== ncol)) throw new RangeError('FrozenLake: desc rows must be non-empty and of equal length');
  if (rows.some((r) => !/^[SFHG]+$/.test(r))) throw new RangeError(`FrozenLake: desc may only contain S, F, H and G, got ${JSON.stringify(rows)}`);
  if (!rows.some((r) => r.includes('S'))) throw new RangeError('FrozenLake: desc needs a start cell S');
  return [...rows];
}

/** True when some goal can be reached from some start, walking through non-hole cells (Gymnasium's path check). */
export function hasPathToGoal(desc: readonly string[]): boolean {
  const nrow = desc.length;
  const ncol = desc[0]?.length ?? 0;
  const seen = new Uint8Array(nrow * ncol);
  const stack: number[] = [];
  for (let s = 0; s < nrow * ncol; s++) {
    if (desc[Math.floor(s / ncol)]![s % ncol] === 'S') {
      seen[s] = 1;
      stack.push(s);
    }
  }
  while (stack.length > 0) {
    const s = stack.pop()!;
    const row = Math.floor(s / ncol);
    const col = s % ncol;
    if (desc[row]![col] === 'G') return true;
    for (const dir of MOVES) {
      const r = row + dir.dRow;
      const c = col + dir.dCol;
      if (r < 0 || r >= nrow || c < 0 || c >= ncol) continue;
      const n = r * ncol + c;
      if (seen[n] || desc[r]![c] === 'H') continue;
      seen[n] = 1;
      stack.push(n);
    }
  }
  return false;
}

/**
 * A random size × size map with start top-left, goal bottom-right and each other cell frozen with
 * probability p, redrawn until a path exists (as Gymnasium's `generate_random_map`).
 */
export function generateRandomMap(size = 8, p = 0.8, rng?: Rng | number, maxAttempts = 100_000): string[] {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`generateRandomMap: size must be an integer ≥ 2, got ${size}`);
  if (!(p > 0 && p <= 1)) throw new RangeError(`generateRandomMap: p must be in (0, 1], got ${p}`);
  const r = rng instanceof Rng ? rng : seededRng(rng).rng;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const rows: string[] = [];
    for (let i = 0; i < size; i++) {
      let row = '';
      for (let j = 0; j < size; j++) {
        const frozen = r.random() < p;
        row += i === 0 && j === 0 ? 'S' : i === size - 1 && j === size - 1 ? 'G' : frozen ? 'F' : 'H';
      }
      rows.push(row);
    }
    if (hasPathToGoal(rows)) return rows;
  }
  throw new Error(`generateRandomMap: no map with a path found in ${maxAttempts} attempts (size ${size}, p ${p}); raise p`);
}

/** The full MDP of a map: Gymnasium's `P`, with identical outcomes merged. */
export function frozenLakeMdp(
  desc: readonly string[],
  isSlippery = true,
  successRate = 1 / 3,
  rewardSchedule: readonly [number, number, number] = [1, 0, 0],
): TabularMdp {
  const nrow = desc.length;
  const ncol = desc[0]!.length;
  const numStates = nrow * ncol;
  const letter = (s: number) => desc[Math.floor(s / ncol)]![s % ncol]!;
  const outcome = (s: number, move: number, probability: number): Transition => {
    const [r, c] = moveClamped(Math.floor(s / ncol), s % ncol, MOVES[move]!, nrow, ncol);
    const next = r * ncol + c;
    const l = letter(next);
    const reward = l === 'G' ? rewardSchedule[0] : l === 'H' ? rewardSchedule[1] : rewardSchedule[2];
    return { probability, nextState: next, reward, terminated: l === 'G' || l === 'H' };
  };
  const table: Transition[][] = [];
  for (let s = 0; s < numStates; s++) {
    for (let a = 0; a < 4; a++) {
      if (letter(s) === 'G' || letter(s) === 'H') {
        table.push([{ probability: 1, nextState: s, reward: 0, terminated: true }]);
      } else if (isSlippery) {
        const fail = (1 - successRate) / 2;
        table.push(mergeOutcomes([outcome(s, (a + 3) % 4, fail), outcome(s, a, successRate), outcome(s, (a + 1) % 4, fail)]));
      } else {
        table.push([outcome(s, a, 1)]);
      }
    }
  }
  const starts: number[] = [];
  for (let s = 0; s < numStates; s++) starts.push(letter(s) === 'S' ? 1 : 0);
  const nStarts = starts.reduce((x, y) => x + y, 0);
  return { numStates, numActions: 4, table, initialDistribution: starts.map((x) => x / nStarts) };
}

function readRewardSchedule(v: unknown): readonly [number, number, number] {
  if (v === undefined || v === null) return [1, 0, 0];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new TypeError(`FrozenLake: rewardSchedule must be [goal, hole, frozen] finite numbers, got ${JSON.stringify(v)}`);
  return [v[0] as number, v[1] as number, v[2] as number];
}

/**
 * Cross a frozen lake from S to G without falling into a hole H (Gymnasium's FrozenLake-v1).
 * Observation: row * ncol + col. Actions: 0 left, 1 down, 2 right, 3 up.
 */
export class FrozenLakeEnv extends TabularEnv {
  readonly desc: readonly string[];
  readonly nrow: number;
  readonly ncol: number;
  readonly isSlippery: boolean;
  private readonly kinds: GridCellKind[];

  constructor(opts: FrozenLakeOptions = {}) {
    checkKnownKeys('FrozenLake', opts, OPTION_KEYS);
    let desc: string[];
    if (opts.desc !== undefined && opts.desc !== null) {
      desc = checkFrozenLakeMap(opts.desc);
    } else {
      const name = opts.mapName ?? '4x4';
      if (!Object.hasOwn(FROZEN_LAKE_MAPS, name))
        throw new RangeError(`FrozenLake: mapName must be one of ${Object.keys(FROZEN_LAKE_MAPS).join(', ')}, got ${JSON.stringify(name)}`);
      desc = [...FROZEN_LAKE_MAPS[name]];
    }
    const isSlippery = readBoolean('FrozenLake', opts.isSlippery, 'isSlippery', true);
    const successRate = readNumber('FrozenLake', opts.successRate, 'successRate', 1 / 3, 0, 1);
    const schedule = readRewardSchedule(opts.rewardSchedule);
    const renderWidth = renderSize(opts as Record<string, unknown>, 'renderWidth');
    const renderHeight = renderSize(opts as Record<string, unknown>, 'renderHeight');
    super(frozenLakeMdp(desc, isSlippery, successRate, schedule));
    this.desc = Object.freeze(desc);
    this.nrow = desc.length;
    this.ncol = desc[0]!.length;
    this.isSlippery = isSlippery;
    const kindOf: Record<string, GridCellKind> = { S: 'start', F: 'frozen', H: 'hole', G: 'goal' };
    this.kinds = desc.join('').split('').map((ch) => kindOf[ch]!);
    this.renderWidth = renderWidth;
    this.renderHeight = renderHeight;
  }

  override scene(): Scene {
    return gridScene(this.nrow, this.ncol, this.kinds, this.state);
  }

  keysToAction(): Record<string, number> {
    return { ArrowLeft: FrozenLakeAction.Left, ArrowDown: FrozenLakeAction.Down, ArrowRight: FrozenLakeAction.Right, ArrowUp: FrozenLakeAction.Up };
  }
}
