import type { Info } from '../../core.js';
import type { Rng } from '../../rng.js';
import type { CellPalette } from '../cellScene.js';
import type { Kwargs } from '../kwargs.js';
import { MinAtarEnv } from './env.js';
import { DOWN, GRID, LEFT, NOOP, RIGHT, UP, type MinAtarAction, type MinAtarGame } from './game.js';

export const ASTERIX_RAMP_INTERVAL = 100;
export const ASTERIX_INIT_SPAWN_INTERVAL = 10;
export const ASTERIX_INIT_MOVE_INTERVAL = 5;
/** One entity slot per lane, lanes on rows 1..8. */
export const ASTERIX_SLOTS = 8;

const PALETTE: CellPalette = {
  kinds: ['player', 'enemy', 'trail', 'gold'],
  colors: [0x3fa9f5, 0xe74c3c, 0x6e6e6e, 0xffd700],
  drawOrder: [2, 3, 1, 0],
};

/**
 * MinAtar Asterix: the player moves in 4 directions on rows 1..8; enemies and gold enter from
 * the sides, one per lane; gold gives +1, touching an enemy ends the game. With ramping, spawns
 * and moves speed up every 100 frames. State (public): `playerX`, `playerY`; slot i (lane row
 * i + 1) holds an entity when `alive[i]`, at column `entX[i]`, moving right when `movesRight[i]`,
 * gold when `gold[i]`; timers `spawnTimer`, `moveTimer`, `rampTimer`; speeds `spawnInterval`,
 * `moveInterval`; `rampIndex` the difficulty level.
 */
export class AsterixGame implements MinAtarGame {
  readonly palette = PALETTE;
  readonly minimalActions: readonly MinAtarAction[] = [NOOP, LEFT, UP, RIGHT, DOWN];
  playerX = 5;
  playerY = 5;
  readonly alive = new Uint8Array(ASTERIX_SLOTS);
  readonly entX = new Int8Array(ASTERIX_SLOTS);
  readonly movesRight = new Uint8Array(ASTERIX_SLOTS);
  readonly gold = new Uint8Array(ASTERIX_SLOTS);
  spawnInterval = ASTERIX_INIT_SPAWN_INTERVAL;
  spawnTimer = ASTERIX_INIT_SPAWN_INTERVAL;
  moveInterval = ASTERIX_INIT_MOVE_INTERVAL;
  moveTimer = ASTERIX_INIT_MOVE_INTERVAL;
  rampTimer = ASTERIX_RAMP_INTERVAL;
  rampIndex = 0;
  terminal = false;
  private readonly freeSlots = new Int8Array(ASTERIX_SLOTS);

  constructor(readonly ramping: boolean = true) {}

  reset(): void {
    this.playerX = 5;
    this.playerY = 5;
    this.alive.fill(0);
    this.spawnInterval = ASTERIX_INIT_SPAWN_INTERVAL;
    this.spawnTimer = this.spawnInterval;
    this.moveInterval = ASTERIX_INIT_MOVE_INTERVAL;
    this.moveTimer = this.moveInterval;
    this.rampTimer = ASTERIX_RAMP_INTERVAL;
    this.rampIndex = 0;
    this.terminal = false;
  }

  act(action: MinAtarAction, rng: Rng): number {
    if (this.terminal) return 0;
    let reward = 0;
    if (this.spawnTimer === 0) {
      this.spawn(rng);
      this.spawnTimer = this.spawnInterval;
    }
    if (action === LEFT) this.playerX = Math.max(0, this.playerX - 1);
    else if (action === RIGHT) this.playerX = Math.min(GRID - 1, this.playerX + 1);
    else if (action === UP) this.playerY = Math.max(1, this.playerY - 1);
    else if (action === DOWN) this.playerY = Math.min(GRID - 2, this.playerY + 1);

    // Contact after the player's move, then again after the entities' move.
    for (let i = 0; i < ASTERIX_SLOTS; i++) if (this.alive[i]) reward += this.touch(i);
    if (this.moveTimer === 0) {
      this.moveTimer = this.moveInterval;
      for (let i = 0; i < ASTERIX_SLOTS; i++) {
        if (!this.alive[i]) continue;
        const x = this.entX[i]! + (this.movesRight[i] ? 1 : -1);
        this.entX[i] = x;
        if (x < 0 || x > GRID - 1) this.alive[i] = 0;
        else reward += this.touch(i);
      }
    }
    this.spawnTimer--;
    this.moveTimer--;

    if (this.ramping && (this.spawnInterval > 1 || this.moveInterval > 1)) {
      if (this.rampTimer >= 0) {
        this.rampTimer--;
      } else {
        // Spawns speed up every level, moves every other level.
        if (this.moveInterval > 1 && this.rampIndex % 2 === 1) this.moveInterval--;
        if (this.spawnInterval > 1) this.spawnInterval--;
        this.rampIndex++;
        this.rampTimer = ASTERIX_RAMP_INTERVAL;
      }
    }
    return reward;
  }

  writeChannels(out: Uint8Array): void {
    out.fill(0);
    out[(this.playerY * GRID + this.playerX) * 4] = 1;
    for (let i = 0; i < ASTERIX_SLOTS; i++) {
      if (!this.alive[i]) continue;
      const row = (i + 1) * GRID;
      const x = this.entX[i]!;
      out[(row + x) * 4 + (this.gold[i] ? 3 : 1)] = 1;
      const back = this.movesRight[i] ? x - 1 : x + 1;
      if (back >= 0 && back <= GRID - 1) out[(row + back) * 4 + 2] = 1;
    }
  }

  info(): Info {
    return { ramp: this.rampIndex };
  }

  /** Gold in the player's cell is collected (+1); an enemy there ends the game. */
  private touch(i: number): number {
    if (this.entX[i] !== this.playerX || i + 1 !== this.playerY) return 0;
    if (this.gold[i]) {
      this.alive[i] = 0;
      return 1;
    }
    this.terminal = true;
    return 0;
  }

  /** A new enemy (2/3) or gold (1/3) at a random side of a random free lane; none when all are taken. */
  private spawn(rng: Rng): void {
    const fromLeft = rng.random() < 0.5;
    const isGold = rng.random() < 1 / 3;
    let free = 0;
    for (let i = 0; i < ASTERIX_SLOTS; i++) if (!this.alive[i]) this.freeSlots[free++] = i;
    if (free === 0) return;
    const slot = this.freeSlots[rng.int(free)]!;
    this.alive[slot] = 1;
    this.entX[slot] = fromLeft ? 0 : GRID - 1;
    this.movesRight[slot] = fromLeft ? 1 : 0;
    this.gold[slot] = isGold ? 1 : 0;
  }
}

/** 'MinAtar/Asterix-v1'. */
export class AsterixEnv extends MinAtarEnv<AsterixGame> {
  constructor(kwargs: Kwargs = {}) {
    super((ramping) => new AsterixGame(ramping), 'MinAtar/Asterix', kwargs);
  }
}
