import type { Info } from '../../core.js';
import type { CellPalette } from '../cellScene.js';
import type { Kwargs } from '../kwargs.js';
import { MinAtarEnv } from './env.js';
import { FIRE, GRID, LEFT, NOOP, RIGHT, type MinAtarAction, type MinAtarGame } from './game.js';

export const INVADERS_SHOT_COOL_DOWN = 5;
export const INVADERS_INIT_MOVE_INTERVAL = 12;
/** With ramping, each cleared wave moves one frame faster, down to this interval. */
export const INVADERS_MIN_MOVE_INTERVAL = 6;
export const INVADERS_ENEMY_SHOT_INTERVAL = 10;

const C = 6;
const CANNON_ROW = GRID - 1;

const PALETTE: CellPalette = {
  kinds: ['cannon', 'alien', 'alien_left', 'alien_right', 'friendly_bullet', 'enemy_bullet'],
  colors: [0x3fa9f5, 0x2ecc71, 0x1e8449, 0x82e0aa, 0xffffff, 0xe74c3c],
  drawOrder: [1, 2, 3, 4, 5, 0],
};

/**
 * MinAtar SpaceInvaders: a cannon on the bottom row shoots at a 4 × 6 block of aliens that
 * sweeps sideways and steps down at the walls; +1 per alien shot; the alien nearest the cannon
 * fires every 10 frames; an alien bullet or an alien reaching the cannon ends the game. Fewer
 * aliens move faster; each cleared wave (with ramping) comes back faster. No randomness.
 * State (public): `cannonX`; 10 × 10 row-major 0/1 maps `aliens`, `friendlyBullets`,
 * `enemyBullets`; `alienDir` (−1 left, +1 right); `moveInterval`, `alienMoveTimer`,
 * `alienShotTimer`, `shotTimer`; `rampIndex`.
 */
export class SpaceInvadersGame implements MinAtarGame {
  readonly palette = PALETTE;
  readonly minimalActions: readonly MinAtarAction[] = [NOOP, LEFT, RIGHT, FIRE];
  cannonX = 5;
  readonly aliens = new Uint8Array(GRID * GRID);
  readonly friendlyBullets = new Uint8Array(GRID * GRID);
  readonly enemyBullets = new Uint8Array(GRID * GRID);
  alienDir = -1;
  moveInterval = INVADERS_INIT_MOVE_INTERVAL;
  alienMoveTimer = INVADERS_INIT_MOVE_INTERVAL;
  alienShotTimer = INVADERS_ENEMY_SHOT_INTERVAL;
  shotTimer = 0;
  rampIndex = 0;
  terminal = false;
  private readonly rowBuffer = new Uint8Array(GRID);

  constructor(readonly ramping: boolean = true) {}

  reset(): void {
    this.cannonX = 5;
    this.friendlyBullets.fill(0);
    this.enemyBullets.fill(0);
    this.aliens.fill(0);
    this.newWave();
    this.alienDir = -1;
    this.moveInterval = INVADERS_INIT_MOVE_INTERVAL;
    this.alienMoveTimer = this.moveInterval;
    this.alienShotTimer = INVADERS_ENEMY_SHOT_INTERVAL;
    this.rampIndex = 0;
    this.shotTimer = 0;
    this.terminal = false;
  }

  alienCount(): number {
    let n = 0;
    for (let i = 0; i < GRID * GRID; i++) n += this.aliens[i]!;
    return n;
  }

  act(action: MinAtarAction): number {
    if (this.terminal) return 0;
    const cannon = CANNON_ROW * GRID + this.cannonX;
    if (action === FIRE) {
      if (this.shotTimer === 0) {
        this.friendlyBullets[cannon] = 1;
        this.shotTimer = INVADERS_SHOT_COOL_DOWN;
      }
    } else if (action === LEFT) {
      this.cannonX = Math.max(0, this.cannonX - 1);
    } else if (action === RIGHT) {
      this.cannonX = Math.min(GRID - 1, this.cannonX + 1);
    }
    const at = CANNON_ROW * GRID + this.cannonX;

    // Friendly bullets rise a row (leaving the top), alien bullets fall a row (leaving the bottom).
    this.friendlyBullets.copyWithin(0, GRID);
    this.friendlyBullets.fill(0, (GRID - 1) * GRID);
    this.enemyBullets.copyWithin(GRID, 0, (GRID - 1) * GRID);
    this.enemyBullets.fill(0, 0, GRID);
    if (this.enemyBullets[at]) this.terminal = true;

    if (this.aliens[at]) this.terminal = true;
    if (this.alienMoveTimer === 0) {
      this.alienMoveTimer = Math.min(this.alienCount(), this.moveInterval);
      if ((this.alienDir < 0 && this.columnHasAlien(0)) || (this.alienDir > 0 && this.columnHasAlien(GRID - 1))) {
        this.alienDir = -this.alienDir;
        if (this.rowHasAlien(GRID - 1)) this.terminal = true;
        this.shiftAliensDown();
      } else {
        this.shiftAliensSideways(this.alienDir);
      }
      if (this.aliens[at]) this.terminal = true;
    }
    if (this.alienShotTimer === 0) {
      this.alienShotTimer = INVADERS_ENEMY_SHOT_INTERVAL;
      const shooter = this.nearestAlien(this.cannonX);
      if (shooter >= 0) this.enemyBullets[shooter] = 1;
    }

    let reward = 0;
    for (let i = 0; i < GRID * GRID; i++) {
      if (this.aliens[i] && this.friendlyBullets[i]) {
        reward++;
        this.aliens[i] = 0;
        this.friendlyBullets[i] = 0;
      }
    }

    if (this.shotTimer > 0) this.shotTimer--;
    this.alienMoveTimer--;
    this.alienShotTimer--;
    if (this.alienCount() === 0) {
      if (this.ramping && this.moveInterval > INVADERS_MIN_MOVE_INTERVAL) {
        this.moveInterval--;
        this.rampIndex++;
      }
      this.newWave();
    }
    return reward;
  }

  writeChannels(out: Uint8Array): void {
    out.fill(0);
    out[(CANNON_ROW * GRID + this.cannonX) * C] = 1;
    const dirChannel = this.alienDir < 0 ? 2 : 3;
    for (let i = 0; i < GRID * GRID; i++) {
      if (this.aliens[i]) {
        out[i * C + 1] = 1;
        out[i * C + dirChannel] = 1;
      }
      if (this.friendlyBullets[i]) out[i * C + 4] = 1;
      if (this.enemyBullets[i]) out[i * C + 5] = 1;
    }
  }

  info(): Info {
    return { ramp: this.rampIndex };
  }

  /**
   * The cell index of the lowest alien in the occupied column nearest the cannon (the left one
   * on a tie), or −1 when there are no aliens.
   */
  nearestAlien(x: number): number {
    for (let d = 0; d < GRID; d++) {
      const left = x - d >= 0 ? this.lowestAlienIn(x - d) : -1;
      if (left >= 0) return left;
      const right = d > 0 && x + d < GRID ? this.lowestAlienIn(x + d) : -1;
      if (right >= 0) return right;
    }
    return -1;
  }

  private lowestAlienIn(col: number): number {
    for (let row = GRID - 1; row >= 0; row--) if (this.aliens[row * GRID + col]) return row * GRID + col;
    return -1;
  }

  private newWave(): void {
    for (let row = 0; row < 4; row++) this.aliens.fill(1, row * GRID + 2, row * GRID + 8);
  }

  private columnHasAlien(col: number): boolean {
    for (let row = 0; row < GRID; row++) if (this.aliens[row * GRID + col]) return true;
    return false;
  }

  private rowHasAlien(row: number): boolean {
    for (let col = 0; col < GRID; col++) if (this.aliens[row * GRID + col]) return true;
    return false;
  }

  /** One row down; the bottom row wraps to the top (only reachable on the frame the game ends). */
  private shiftAliensDown(): void {
    const a = this.aliens;
    const bottom = this.rowBuffer;
    bottom.set(a.subarray((GRID - 1) * GRID));
    a.copyWithin(GRID, 0, (GRID - 1) * GRID);
    a.set(bottom, 0);
  }

  /** One column left (dir −1) or right (+1), wrapping (never reached: the wall check turns them first). */
  private shiftAliensSideways(dir: number): void {
    const a = this.aliens;
    for (let row = 0; row < GRID; row++) {
      const s = row * GRID;
      if (dir < 0) {
        const first = a[s]!;
        a.copyWithin(s, s + 1, s + GRID);
        a[s + GRID - 1] = first;
      } else {
        const last = a[s + GRID - 1]!;
        a.copyWithin(s + 1, s, s + GRID - 1);
        a[s] = last;
      }
    }
  }
}

/** 'MinAtar/SpaceInvaders-v1'. */
export class SpaceInvadersEnv extends MinAtarEnv<SpaceInvadersGame> {
  constructor(kwargs: Kwargs = {}) {
    super((ramping) => new SpaceInvadersGame(ramping), 'MinAtar/SpaceInvaders', kwargs);
  }
}
