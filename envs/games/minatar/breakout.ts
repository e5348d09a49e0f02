import type { Info } from '../../core.js';
import type { Rng } from '../../rng.js';
import type { CellPalette } from '../cellScene.js';
import type { Kwargs } from '../kwargs.js';
import { MinAtarEnv } from './env.js';
import { GRID, LEFT, NOOP, RIGHT, type MinAtarAction, type MinAtarGame } from './game.js';

/** Ball directions, moving diagonally: dx and dy per frame. */
export const UP_LEFT = 0;
export const UP_RIGHT = 1;
export const DOWN_RIGHT = 2;
export const DOWN_LEFT = 3;
export type BallDir = 0 | 1 | 2 | 3;
const DX: readonly number[] = [-1, 1, 1, -1];
const DY: readonly number[] = [-1, -1, 1, 1];
// A wall flips dx, the ceiling or a brick flips dy, a paddle corner flips both.
const FLIP_X: readonly BallDir[] = [UP_RIGHT, UP_LEFT, DOWN_LEFT, DOWN_RIGHT];
const FLIP_Y: readonly BallDir[] = [DOWN_LEFT, DOWN_RIGHT, UP_RIGHT, UP_LEFT];
const FLIP_BOTH: readonly BallDir[] = [DOWN_RIGHT, DOWN_LEFT, UP_LEFT, UP_RIGHT];

const PADDLE_ROW = GRID - 1;
const BRICK_ROWS = [1, 2, 3] as const;

const PALETTE: CellPalette = {
  kinds: ['paddle', 'ball', 'trail', 'brick'],
  colors: [0x3fa9f5, 0xffffff, 0x6e6e6e, 0xd9534f],
  drawOrder: [2, 3, 0, 1],
};

/**
 * MinAtar Breakout: a paddle on the bottom row bounces a diagonally moving ball into three rows
 * of bricks; +1 per brick, a fresh set when all are gone, game over when the ball passes the
 * paddle. No difficulty ramp. State (public, row 0 at the top):
 * - `paddleX` paddle column (row 9); `ballX`, `ballY`, `ballDir` (UP_LEFT … DOWN_LEFT);
 * - `lastX`, `lastY` the ball's previous cell (the trail channel);
 * - `bricks` 10 × 10 row-major 0/1; `strike` whether the ball hit a brick last frame.
 */
export class BreakoutGame implements MinAtarGame {
  readonly palette = PALETTE;
  readonly minimalActions: readonly MinAtarAction[] = [NOOP, LEFT, RIGHT];
  paddleX = 4;
  ballX = 0;
  ballY = 3;
  ballDir: BallDir = DOWN_RIGHT;
  lastX = 0;
  lastY = 3;
  readonly bricks = new Uint8Array(GRID * GRID);
  strike = false;
  terminal = false;

  reset(rng: Rng): void {
    // The ball starts on row 3 at either side wall, heading down and inwards.
    const fromLeft = rng.int(2) === 0;
    this.ballX = fromLeft ? 0 : GRID - 1;
    this.ballDir = fromLeft ? DOWN_RIGHT : DOWN_LEFT;
    this.ballY = 3;
    this.paddleX = 4;
    this.fillBricks();
    this.strike = false;
    this.lastX = this.ballX;
    this.lastY = this.ballY;
    this.terminal = false;
  }

  /** Bricks left on the board. */
  brickCount(): number {
    let n = 0;
    for (let i = 0; i < this.bricks.length; i++) n += this.bricks[i]!;
    return n;
  }

  act(action: MinAtarAction): number {
    if (this.terminal) return 0;
    let reward = 0;
    if (action === LEFT) this.paddleX = Math.max(0, this.paddleX - 1);
    else if (action === RIGHT) this.paddleX = Math.min(GRID - 1, this.paddleX + 1);

    this.lastX = this.ballX;
    this.lastY = this.ballY;
    let x = this.ballX + DX[this.ballDir]!;
    let y = this.ballY + DY[this.ballDir]!;
    let struck = false;
    if (x < 0 || x > GRID - 1) {
      x = x < 0 ? 0 : GRID - 1;
      this.ballDir = FLIP_X[this.ballDir]!;
    }
    if (y < 0) {
      y = 0;
      this.ballDir = FLIP_Y[this.ballDir]!;
    } else if (this.bricks[y * GRID + x] === 1) {
      struck = true;
      // Two bricks in successive frames: the second is passed through (MinAtar's rule).
      if (!this.strike) {
        reward += 1;
        this.strike = true;
        this.bricks[y * GRID + x] = 0;
        y = this.lastY;
        this.ballDir = FLIP_Y[this.ballDir]!;
      }
    } else if (y === PADDLE_ROW) {
      if (this.brickCount() === 0) this.fillBricks();
      if (this.ballX === this.paddleX) {
        // Straight onto the paddle: back up the way it came, mirrored.
        this.ballDir = FLIP_Y[this.ballDir]!;
        y = this.lastY;
      } else if (x === this.paddleX) {
        // Onto the paddle's corner: straight back along its path.
        this.ballDir = FLIP_BOTH[this.ballDir]!;
        y = this.lastY;
      } else {
        this.terminal = true;
      }
    }
    if (!struck) this.strike = false;
    this.ballX = x;
    this.ballY = y;
    return reward;
  }

  writeChannels(out: Uint8Array): void {
    out.fill(0);
    out[(this.ballY * GRID + this.ballX) * 4 + 1] = 1;
    out[(PADDLE_ROW * GRID + this.paddleX) * 4 + 0] = 1;
    out[(this.lastY * GRID + this.lastX) * 4 + 2] = 1;
    for (let i = 0; i < GRID * GRID; i++) out[i * 4 + 3] = this.bricks[i]!;
  }

  info(): Info {
    return { bricks: this.brickCount() };
  }

  private fillBricks(): void {
    this.bricks.fill(0);
    for (const row of BRICK_ROWS) this.bricks.fill(1, row * GRID, (row + 1) * GRID);
  }
}

/** 'MinAtar/Breakout-v1'. */
export class BreakoutEnv extends MinAtarEnv<BreakoutGame> {
  constructor(kwargs: Kwargs = {}) {
    super(() => new BreakoutGame(), 'MinAtar/Breakout', kwargs);
  }
}
