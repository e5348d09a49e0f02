import type { Scene } from '../render/scene.js';
import { DOWN, LEFT, RIGHT, UP, checkCell, type GridCell, type Direction } from './grid.js';
import { gridScene, renderSize, type GridCellKind } from './gridScene.js';
import { checkKnownKeys, readNumber } from './kwargs.js';
import { TabularEnv, type TabularMdp } from './tabularEnv.js';
import { mergeOutcomes, type Transition } from './tabularModel.js';

/** Actions, clockwise from up (as CliffWalking). */
export const GridWorldAction = { Up: 0, Right: 1, Down: 2, Left: 3 } as const;
const MOVES: readonly Direction[] = [UP, RIGHT, DOWN, LEFT];

/** A terminal cell and the reward for entering it. */
export interface RewardCell {
  cell: GridCell;
  reward: number;
}

export interface GridWorldOptions {
  rows?: number;
  cols?: number;
  /** Cells the agent cannot enter; moving into one (or off the grid) leaves it in place. */
  walls?: readonly GridCell[];
  /** Terminal cells with a reward for entering them. */
  goals?: readonly RewardCell[];
  /** Terminal cells too, usually with a negative reward; drawn differently. */
  traps?: readonly RewardCell[];
  start?: GridCell;
  /** Reward for every move that does not enter a goal or trap. */
  stepReward?: number;
  /** Probability of slipping: half of it to each side of the intended direction. */
  slip?: number;
  renderWidth?: number;
  renderHeight?: number;
}

/** Everything the dynamics depend on, resolved and checked. */
export interface GridWorldLayout {
  rows: number;
  cols: number;
  walls: readonly GridCell[];
  goals: readonly RewardCell[];
  traps: readonly RewardCell[];
  start: GridCell;
  stepReward: number;
  slip: number;
}

/**
 * Russell & Norvig's 4 × 3 world (AIMA, Fig. 17.1): a wall in the middle, +1 top-right, −1 below it,
 * start bottom-left, −0.04 a step, moves going sideways 20% of the time.
 */
export const DEFAULT_GRID_WORLD: GridWorldLayout = Object.freeze({
  rows: 3,
  cols: 4,
  walls: Object.freeze([Object.freeze([1, 1] as const)]),
  goals: Object.freeze([Object.freeze({ cell: Object.freeze([0, 3] as const), reward: 1 })]),
  traps: Object.freeze([Object.freeze({ cell: Object.freeze([1, 3] as const), reward: -1 })]),
  start: Object.freeze([2, 0] as const),
  stepReward: -0.04,
  slip: 0.2,
});

const OPTION_KEYS = ['rows', 'cols', 'walls', 'goals', 'traps', 'start', 'stepReward', 'slip', 'renderWidth', 'renderHeight'];

function readSize(v: unknown, name: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1024) throw new RangeError(`GridWorld: ${name} must be an integer in [1, 1024], got ${JSON.stringify(v)}`);
  return v;
}

function readRewardCells(v: unknown, name: string, rows: number, cols: number): RewardCell[] {
  if (!Array.isArray(v)) throw new TypeError(`GridWorld: ${name} must be an array of { cell: [row, col], reward }`);
  return v.map((x: unknown, i) => {
    const o = x as Partial<RewardCell> | null;
    if (!o || typeof o !== 'object' || typeof o.reward !== 'number' || !Number.isFinite(o.reward))
      throw new TypeError(`GridWorld: ${name}[${i}] must be { cell: [row, col], reward: finite number }, got ${JSON.stringify(x)}`);
    return { cell: checkCell(o.cell, rows, cols, `GridWorld: ${name}[${i}].cell`), reward: o.reward };
  });
}

/**
 * Resolves options against the defaults. Without `rows`/`cols` the default world's layout fills in
 * whatever is missing; with either of them the grid is open: no walls or traps, a +1 goal
 * bottom-right and the start top-left unless given.
 */
export function resolveGridWorld(opts: GridWorldOptions): GridWorldLayout {
  const custom = opts.rows !== undefined || opts.cols !== undefined;
  const rows = readSize(opts.rows, 'rows', DEFAULT_GRID_WORLD.rows);
  const cols = readSize(opts.cols, 'cols', DEFAULT_GRID_WORLD.cols);
  const base = custom
    ? { walls: [], goals: [{ cell: [rows - 1, cols - 1] as GridCell, reward: 1 }], traps: [], start: [0, 0] as GridCell }
    : DEFAULT_GRID_WORLD;
  if (opts.walls !== undefined && !Array.isArray(opts.walls)) throw new TypeError('GridWorld: walls must be an array of [row, col]');
  const walls = (opts.walls ?? base.walls).map((c, i) => checkCell(c, rows, cols, `GridWorld: walls[${i}]`));
  const goals = readRewardCells(opts.goals ?? base.goals, 'goals', rows, cols);
  const traps = readRewardCells(opts.traps ?? base.traps, 'traps', rows, cols);
  const start = checkCell(opts.start ?? base.start, rows, cols, 'GridWorld: start');
  const seen = new Map<number, string>();
  const claim = (cell: GridCell, what: string) => {
    const s = cell[0] * cols + cell[1];
    const prior = seen.get(s);
    if (prior) throw new RangeError(`GridWorld: cell [${cell[0]}, ${cell[1]}] is both ${prior} and ${what}`);
    seen.set(s, what);
  };
  walls.forEach((c) => claim(c, 'a wall'));
  goals.forEach((g) => claim(g.cell, 'a goal'));
  traps.forEach((t) => claim(t.cell, 'a trap'));
  claim(start, 'the start');
  const stepReward = readNumber('GridWorld', opts.stepReward, 'stepReward', DEFAULT_GRID_WORLD.stepReward);
  const slip = readNumber('GridWorld', opts.slip, 'slip', DEFAULT_GRID_WORLD.slip, 0, 1);
  return { rows, cols, walls, goals, traps, start, stepReward, slip };
}

/** GridCell kinds per state, row-major. */
export function gridWorldKinds(layout: GridWorldLayout): GridCellKind[] {
  const kinds = new Array<GridCellKind>(layout.rows * layout.cols).fill('empty');
  const at = (c: GridCell) => c[0] * layout.cols + c[1];
  for (const w of layout.walls) kinds[at(w)] = 'wall';
  for (const g of layout.goals) kinds[at(g.cell)] = 'goal';
  for (const t of layout.traps) kinds[at(t.cell)] = 'trap';
  kinds[at(layout.start)] = 'start';
  return kinds;
}

/** The full MDP of a layout. */
export function gridWorldMdp(layout: GridWorldLayout): TabularMdp {
  const { rows, cols, slip, stepReward } = layout;
  const numStates = rows * cols;
  const kinds = gridWorldKinds(layout);
  const terminalReward = new Map<number, number>();
  for (const c of [...layout.goals, ...layout.traps]) terminalReward.set(c.cell[0] * cols + c.cell[1], c.reward);
  const outcome = (s: number, move: number, probability: number): Transition => {
    const dir = MOVES[move]!;
    const r = Math.floor(s / cols) + dir.dRow;
    const c = (s % cols) + dir.dCol;
    const blocked = r < 0 || r >= rows || c < 0 || c >= cols || kinds[r * cols + c] === 'wall';
    const next = blocked ? s : r * cols + c;
    const end = terminalReward.get(next);
    return end === undefined
      ? { probability, nextState: next, reward: stepReward, terminated: false }
      : { probability, nextState: next, reward: end, terminated: true };
  };
  const table: Transition[][] = [];
  for (let s = 0; s < numStates; s++) {
    for (let a = 0; a < 4; a++) {
      if (terminalReward.has(s)) table.push([{ probability: 1, nextState: s, reward: 0, terminated: true }]);
      // Walls are never occupied; a zero-reward self-loop keeps their value at 0 for planners.
      else if (kinds[s] === 'wall') table.push([{ probability: 1, nextState: s, reward: 0, terminated: false }]);
      else table.push(mergeOutcomes([outcome(s, (a + 3) % 4, slip / 2), outcome(s, a, 1 - slip), outcome(s, (a + 1) % 4, slip / 2)]));
    }
  }
  const initialDistribution = new Float64Array(numStates);
  initialDistribution[layout.start[0] * cols + layout.start[1]] = 1;
  return { numStates, numActions: 4, table, initialDistribution };
}

/**
 * A configurable grid MDP: walls, terminal goals and traps with rewards, a step reward and a slip
 * probability. Observation: row * cols + col. Actions: 0 up, 1 right, 2 down, 3 left.
 */
export class GridWorldEnv extends TabularEnv {
  readonly layout: GridWorldLayout;
  private readonly kinds: GridCellKind[];

  constructor(opts: GridWorldOptions = {}) {
    checkKnownKeys('GridWorld', opts, OPTION_KEYS);
    const layout = resolveGridWorld(opts);
    const renderWidth = renderSize(opts as Record<string, unknown>, 'renderWidth');
    const renderHeight = renderSize(opts as Record<string, unknown>, 'renderHeight');
    super(gridWorldMdp(layout));
    this.layout = layout;
    this.kinds = gridWorldKinds(layout);
    this.renderWidth = renderWidth;
    this.renderHeight = renderHeight;
  }

  get rows(): number {
    return this.layout.rows;
  }

  get cols(): number {
    return this.layout.cols;
  }

  /** What the cell of a state is. */
  cellKind(state: number): GridCellKind {
    const k = this.kinds[state];
    if (k === undefined) throw new RangeError(`GridWorld: state ${state} outside [0, ${this.numStates})`);
    return k;
  }

  override scene(): Scene {
    return gridScene(this.layout.rows, this.layout.cols, this.kinds, this.state);
  }

  keysToAction(): Record<string, number> {
    return { ArrowUp: GridWorldAction.Up, ArrowRight: GridWorldAction.Right, ArrowDown: GridWorldAction.Down, ArrowLeft: GridWorldAction.Left };
  }
}
