import { BaseEnv, type EnvMetadata, type ResetOptions, type ResetResult, type StepResult } from '../core.js';
import { rasterize } from '../render/rasterize.js';
import type { Scene } from '../render/scene.js';
import { Box, type BoxArray } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import { describeValue } from '../spaces/space.js';
import { CellSceneBuilder, checkPalette, type CellPalette } from './cellScene.js';
import { MAX_FRAME_SIDE, checkKnownKwargs, choiceKwarg, intKwarg, type Kwargs } from './kwargs.js';

export const CATCH_ROWS = 10;
export const CATCH_COLUMNS = 5;
/** Actions: move the paddle left, stay, move right. */
export const CATCH_LEFT = 0;
export const CATCH_STAY = 1;
export const CATCH_RIGHT = 2;

export type CatchObsType = 'rgb' | 'grid';

export interface CatchKwargs {
  /** 'rgb' (default): the scene rasterized, Box uint8 [height, width, 3]; 'grid': Box uint8 [10, 5, 1] of 0/1. */
  obsType?: CatchObsType;
  width?: number;
  height?: number;
}

const PALETTE: CellPalette = { kinds: ['ball', 'paddle'], colors: [0xffffff, 0x3fa9f5], drawOrder: [1, 0] };
const NAME = 'Catch';

/**
 * bsuite's Catch: a ball falls one row a step from a random column of the top row; the paddle on
 * the bottom row moves left, stays or moves right. When the ball reaches the bottom row the
 * episode ends with +1 if the paddle is under it, else −1 (always 9 steps).
 * State (public): `ballX`, `ballY`, `paddleX` (row 9).
 */
export class CatchEnv extends BaseEnv<BoxArray, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3);
  override metadata: EnvMetadata = { renderFps: 5, renderModes: ['rgb_array'] };
  readonly obsType: CatchObsType;
  ballX = 0;
  ballY = 0;
  paddleX = 2;
  terminal = false;
  private started = false;
  private readonly cells = new Uint8Array(CATCH_ROWS * CATCH_COLUMNS * 2);
  private readonly sceneBuilder = new CellSceneBuilder(CATCH_ROWS, CATCH_COLUMNS, PALETTE);

  constructor(kwargs: Kwargs = {}) {
    super();
    checkKnownKwargs(NAME, kwargs, ['obsType', 'width', 'height']);
    this.obsType = choiceKwarg(NAME, kwargs, 'obsType', ['rgb', 'grid'] as const, 'rgb');
    this.renderWidth = intKwarg(NAME, kwargs, 'width', 84, 1, MAX_FRAME_SIDE);
    this.renderHeight = intKwarg(NAME, kwargs, 'height', 84, 1, MAX_FRAME_SIDE);
    checkPalette(NAME, PALETTE);
    this.observationSpace =
      this.obsType === 'grid'
        ? new Box(0, 1, [CATCH_ROWS, CATCH_COLUMNS, 1], 'uint8')
        : new Box(0, 255, [this.renderHeight, this.renderWidth, 3], 'uint8');
  }

  reset(opts?: ResetOptions): ResetResult<Uint8Array> {
    this.reseed(opts);
    this.ballX = this.rng.int(CATCH_COLUMNS);
    this.ballY = 0;
    this.paddleX = CATCH_COLUMNS >> 1;
    this.terminal = false;
    this.started = true;
    return { observation: this.observation(), info: {} };
  }

  step(action: number): StepResult<Uint8Array> {
    if (!this.actionSpace.contains(action))
      throw new RangeError(`${NAME}: action ${describeValue(action)} is outside the action space ${String(this.actionSpace)}`);
    if (!this.started) throw new Error(`${NAME}: step() called before reset()`);
    let reward = 0;
    if (!this.terminal) {
      this.paddleX = Math.min(CATCH_COLUMNS - 1, Math.max(0, this.paddleX + action - 1));
      this.ballY++;
      if (this.ballY === CATCH_ROWS - 1) {
        reward = this.ballX === this.paddleX ? 1 : -1;
        this.terminal = true;
      }
    }
    return { observation: this.observation(), reward, terminated: this.terminal, truncated: false, info: {} };
  }

  /** The current observation, in a new array the caller owns. */
  observation(): Uint8Array {
    if (this.obsType === 'grid') {
      const grid = new Uint8Array(CATCH_ROWS * CATCH_COLUMNS);
      grid[this.ballY * CATCH_COLUMNS + this.ballX] = 1;
      grid[(CATCH_ROWS - 1) * CATCH_COLUMNS + this.paddleX] = 1;
      return grid;
    }
    const out = new Uint8Array(this.renderWidth! * this.renderHeight! * 3);
    rasterize(this.sceneBuilder.buildReused(this.writeCells()), this.renderWidth!, this.renderHeight!, out);
    return out;
  }

  /** 5 × 10 unit cells: the ball and the paddle. */
  override scene(): Scene {
    return this.sceneBuilder.build(this.writeCells());
  }

  keysToAction(): Record<string, number> {
    return { '': CATCH_STAY, ArrowLeft: CATCH_LEFT, ArrowRight: CATCH_RIGHT };
  }

  private writeCells(): Uint8Array {
    const c = this.cells;
    c.fill(0);
    c[(this.ballY * CATCH_COLUMNS + this.ballX) * 2] = 1;
    c[((CATCH_ROWS - 1) * CATCH_COLUMNS + this.paddleX) * 2 + 1] = 1;
    return c;
  }
}
