import type { Info } from '../../core.js';
import type { Rng } from '../../rng.js';
import type { CellPalette } from '../cellScene.js';
import type { Kwargs } from '../kwargs.js';
import { MinAtarEnv } from './env.js';
import { DOWN, GRID, NOOP, UP, type MinAtarAction, type MinAtarGame } from './game.js';

/** The chicken may move once every this many frames. */
export const FREEWAY_PLAYER_SPEED = 3;
/** Frames per episode: the episode terminates after this many + 1 frames, as in MinAtar. */
export const FREEWAY_TIME_LIMIT = 2500;
/** The chicken's column. */
export const CHICKEN_X = 4;
export const CAR_COUNT = 8;

const PALETTE: CellPalette = {
  kinds: ['chicken', 'car', 'speed1', 'speed2', 'speed3', 'speed4', 'speed5'],
  colors: [0xffd700, 0xe74c3c, 0x2ecc71, 0x1abc9c, 0x3498db, 0x9b59b6, 0xe67e22],
  drawOrder: [2, 3, 4, 5, 6, 1, 0],
};

/**
 * MinAtar Freeway: the chicken crosses 8 lanes of wrapping traffic, moving at most every 3rd
 * frame; reaching the top gives +1, re-randomizes car speeds and puts the chicken back at the
 * bottom; a car hit sends it back without penalty. Terminates after 2500 frames. No ramp.
 * State (public): `chickenY` (row, 9 bottom … 0 top), `moveTimer`, `timeLeft`; car i in lane
 * row i + 1 at column `carX[i]`, moving every |`carSpeed[i]`| frames (sign = direction) with
 * `carTimer[i]` frames to its next move.
 */
export class FreewayGame implements MinAtarGame {
  readonly palette = PALETTE;
  readonly minimalActions: readonly MinAtarAction[] = [NOOP, UP, DOWN];
  chickenY = GRID - 1;
  moveTimer = FREEWAY_PLAYER_SPEED;
  timeLeft = FREEWAY_TIME_LIMIT;
  readonly carX = new Int8Array(CAR_COUNT);
  readonly carTimer = new Int8Array(CAR_COUNT);
  /** Frames per move, signed: positive moves right. |speed| ∈ 1..5. */
  readonly carSpeed = new Int8Array(CAR_COUNT);
  terminal = false;

  reset(rng: Rng): void {
    this.carX.fill(0);
    this.randomizeCars(rng);
    this.chickenY = GRID - 1;
    this.moveTimer = FREEWAY_PLAYER_SPEED;
    this.timeLeft = FREEWAY_TIME_LIMIT;
    this.terminal = false;
  }

  act(action: MinAtarAction, rng: Rng): number {
    if (this.terminal) return 0;
    let reward = 0;
    if (this.moveTimer === 0 && (action === UP || action === DOWN)) {
      this.moveTimer = FREEWAY_PLAYER_SPEED;
      this.chickenY = action === UP ? Math.max(0, this.chickenY - 1) : Math.min(GRID - 1, this.chickenY + 1);
    }
    if (this.chickenY === 0) {
      reward += 1;
      this.randomizeCars(rng);
      this.chickenY = GRID - 1;
    }
    for (let i = 0; i < CAR_COUNT; i++) {
      const lane = i + 1;
      if (this.carX[i] === CHICKEN_X && lane === this.chickenY) this.chickenY = GRID - 1;
      if (this.carTimer[i] === 0) {
        const speed = this.carSpeed[i]!;
        this.carTimer[i] = Math.abs(speed);
        let x = this.carX[i]! + (speed > 0 ? 1 : -1);
        if (x < 0) x = GRID - 1;
        else if (x > GRID - 1) x = 0;
        this.carX[i] = x;
        if (x === CHICKEN_X && lane === this.chickenY) this.chickenY = GRID - 1;
      } else {
        this.carTimer[i]!--;
      }
    }
    if (this.moveTimer > 0) this.moveTimer--;
    this.timeLeft--;
    if (this.timeLeft < 0) this.terminal = true;
    return reward;
  }

  writeChannels(out: Uint8Array): void {
    out.fill(0);
    out[(this.chickenY * GRID + CHICKEN_X) * 7] = 1;
    for (let i = 0; i < CAR_COUNT; i++) {
      const row = (i + 1) * GRID;
      const x = this.carX[i]!;
      const speed = this.carSpeed[i]!;
      out[(row + x) * 7 + 1] = 1;
      // The trail sits behind the car (wrapping like the car); its channel tells the speed.
      let back = speed > 0 ? x - 1 : x + 1;
      if (back < 0) back = GRID - 1;
      else if (back > GRID - 1) back = 0;
      out[(row + back) * 7 + 1 + Math.abs(speed)] = 1;
    }
  }

  info(): Info {
    return { timeLeft: this.timeLeft };
  }

  /** New speeds (1..5 frames per move) and directions for every car; positions are kept. */
  private randomizeCars(rng: Rng): void {
    for (let i = 0; i < CAR_COUNT; i++) this.carSpeed[i] = 1 + rng.int(5);
    for (let i = 0; i < CAR_COUNT; i++) if (rng.random() < 0.5) this.carSpeed[i] = -this.carSpeed[i]!;
    for (let i = 0; i < CAR_COUNT; i++) this.carTimer[i] = Math.abs(this.carSpeed[i]!);
  }
}

/** 'MinAtar/Freeway-v1'. */
export class FreewayEnv extends MinAtarEnv<FreewayGame> {
  constructor(kwargs: Kwargs = {}) {
    super(() => new FreewayGame(), 'MinAtar/Freeway', kwargs);
  }
}
