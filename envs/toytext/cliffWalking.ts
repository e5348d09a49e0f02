import type { Scene } from '../render/scene.js';
import { DOWN, LEFT, RIGHT, UP, moveClamped, type Direction } from './grid.js';
import { gridScene, renderSize, type GridCellKind } from './gridScene.js';
import { checkKnownKeys, readBoolean } from './kwargs.js';
import { TabularEnv, type TabularMdp } from './tabularEnv.js';
import { mergeOutcomes, type Transition } from './tabularModel.js';

/** Actions in Gymnasium's order. */
export const CliffWalkingAction = { Up: 0, Right: 1, Down: 2, Left: 3 } as const;
const MOVES: readonly Direction[] = [UP, RIGHT, DOWN, LEFT];

const NROW = 4;
const NCOL = 12;
const START = (NROW - 1) * NCOL;
const GOAL = NROW * NCOL - 1;
const STEP_REWARD = -1;
const CLIFF_REWARD = -100;

function isCliff(s: number): boolean {
  return s > START && s < GOAL;
}

export interface CliffWalkingOptions {
  /** Gymnasium v1's option, default false: the intended move and each perpendicular one with probability 1/3. */
  isSlippery?: boolean;
  renderWidth?: number;
  renderHeight?: number;
}

/** The full MDP: −1 a step, −100 and back to the start for stepping into the cliff, termination at the goal. */
export function cliffWalkingMdp(isSlippery = false): TabularMdp {
  const outcome = (s: number, move: number, probability: number): Transition => {
    const [r, c] = moveClamped(Math.floor(s / NCOL), s % NCOL, MOVES[move]!, NROW, NCOL);
    const next = r * NCOL + c;
    if (isCliff(next)) return { probability, nextState: START, reward: CLIFF_REWARD, terminated: false };
    return { probability, nextState: next, reward: STEP_REWARD, terminated: next === GOAL };
  };
  const table: Transition[][] = [];
  for (let s = 0; s < NROW * NCOL; s++) {
    for (let a = 0; a < 4; a++) {
      if (s === GOAL) {
        // Never occupied (reaching it ends the episode); absorbing, so planners read V(goal) = 0.
        table.push([{ probability: 1, nextState: s, reward: 0, terminated: true }]);
      } else if (isSlippery) {
        table.push(mergeOutcomes([outcome(s, (a + 3) % 4, 1 / 3), outcome(s, a, 1 / 3), outcome(s, (a + 1) % 4, 1 / 3)]));
      } else {
        table.push([outcome(s, a, 1)]);
      }
    }
  }
  const initialDistribution = new Float64Array(NROW * NCOL);
  initialDistribution[START] = 1;
  return { numStates: NROW * NCOL, numActions: 4, table, initialDistribution };
}

/**
 * Sutton & Barto's cliff walk (Example 6.6), as Gymnasium's CliffWalking: a 4 × 12 grid, start
 * bottom-left (36), goal bottom-right (47), the cliff between them. Actions: 0 up, 1 right, 2 down, 3 left.
 */
export class CliffWalkingEnv extends TabularEnv {
  static readonly rows = NROW;
  static readonly cols = NCOL;
  static readonly startState = START;
  static readonly goalState = GOAL;
  readonly isSlippery: boolean;
  private readonly kinds: GridCellKind[];

  constructor(opts: CliffWalkingOptions = {}) {
    checkKnownKeys('CliffWalking', opts, ['isSlippery', 'renderWidth', 'renderHeight']);
    const isSlippery = readBoolean('CliffWalking', opts.isSlippery, 'isSlippery', false);
    const renderWidth = renderSize(opts as Record<string, unknown>, 'renderWidth');
    const renderHeight = renderSize(opts as Record<string, unknown>, 'renderHeight');
    super(cliffWalkingMdp(isSlippery));
    this.isSlippery = isSlippery;
    this.kinds = Array.from({ length: NROW * NCOL }, (_, s): GridCellKind => (s === START ? 'start' : s === GOAL ? 'goal' : isCliff(s) ? 'cliff' : 'empty'));
    this.renderWidth = renderWidth;
    this.renderHeight = renderHeight;
  }

  override scene(): Scene {
    return gridScene(NROW, NCOL, this.kinds, this.state);
  }

  keysToAction(): Record<string, number> {
    return { ArrowUp: CliffWalkingAction.Up, ArrowRight: CliffWalkingAction.Right, ArrowDown: CliffWalkingAction.Down, ArrowLeft: CliffWalkingAction.Left };
  }
}
