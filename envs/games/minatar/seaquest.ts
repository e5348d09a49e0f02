import type { Info } from '../../core.js';
import type { Rng } from '../../rng.js';
import type { CellPalette } from '../cellScene.js';
import type { Kwargs } from '../kwargs.js';
import { EntityList } from './entityList.js';
import { MinAtarEnv } from './env.js';
import { DOWN, FIRE, GRID, LEFT, NOOP, RIGHT, UP, type MinAtarAction, type MinAtarGame } from './game.js';

export const SEAQUEST_MAX_OXYGEN = 200;
export const SEAQUEST_MAX_DIVERS = 6;
export const SEAQUEST_INIT_SPAWN_INTERVAL = 20;
export const SEAQUEST_DIVER_SPAWN_INTERVAL = 30;
export const SEAQUEST_INIT_MOVE_INTERVAL = 5;
export const SEAQUEST_SHOT_COOL_DOWN = 5;
export const SEAQUEST_ENEMY_SHOT_INTERVAL = 10;
export const SEAQUEST_DIVER_MOVE_INTERVAL = 5;

const C = 10;
const SUB_FRONT = 0;
const SUB_BACK = 1;
const FRIENDLY_BULLET = 2;
const TRAIL = 3;
const ENEMY_BULLET = 4;
const ENEMY_FISH = 5;
const ENEMY_SUB = 6;
const OXYGEN_GAUGE = 7;
const DIVER_GAUGE = 8;
const DIVER = 9;

const PALETTE: CellPalette = {
  // MinAtar's channel names, its spelling of "gauge" included.
  kinds: ['sub_front', 'sub_back', 'friendly_bullet', 'trail', 'enemy_bullet', 'enemy_fish', 'enemy_sub', 'oxygen_guage', 'diver_guage', 'diver'],
  colors: [0xffd700, 0xb8960c, 0xffffff, 0x6e6e6e, 0xff7f50, 0x2ecc71, 0xe74c3c, 0x3fa9f5, 0x9b59b6, 0xf5a3c7],
  drawOrder: [OXYGEN_GAUGE, DIVER_GAUGE, TRAIL, DIVER, ENEMY_FISH, ENEMY_SUB, ENEMY_BULLET, FRIENDLY_BULLET, SUB_BACK, SUB_FRONT],
};

/**
 * MinAtar Seaquest: a two-cell submarine shoots fish and enemy subs (+1 each), picks up divers
 * (up to 6) and must surface before its oxygen (200 frames) runs out. Surfacing with divers
 * refills oxygen and drops one diver; with 6 it drops all and pays 1 per tenth of oxygen left;
 * surfacing with none, running out of oxygen, or touching an enemy, fish or enemy bullet ends
 * the game. With ramping, each surfacing speeds up spawns and moves.
 * State (public): `subX`, `subY` (front cell; row 0 is the surface), `facingRight`, `oxygen`,
 * `diverCount`, `surfaced`; lists `friendlyBullets`, `enemyBullets`, `fish`, `enemySubs`,
 * `divers`; timers `shotTimer`, `enemySpawnTimer`, `diverSpawnTimer`; speeds
 * `enemySpawnInterval`, `moveInterval`; `rampIndex`.
 */
export class SeaquestGame implements MinAtarGame {
  readonly palette = PALETTE;
  readonly minimalActions: readonly MinAtarAction[] = [NOOP, LEFT, UP, RIGHT, DOWN, FIRE];
  subX = 5;
  subY = 0;
  facingRight = false;
  oxygen = SEAQUEST_MAX_OXYGEN;
  diverCount = 0;
  /** True while the sub is on the surface after surfacing (surfacing pays out once per visit). */
  surfaced = true;
  readonly friendlyBullets = new EntityList();
  readonly enemyBullets = new EntityList();
  readonly fish = new EntityList();
  readonly enemySubs = new EntityList();
  readonly divers = new EntityList();
  shotTimer = 0;
  enemySpawnInterval = SEAQUEST_INIT_SPAWN_INTERVAL;
  enemySpawnTimer = SEAQUEST_INIT_SPAWN_INTERVAL;
  diverSpawnTimer = SEAQUEST_DIVER_SPAWN_INTERVAL;
  moveInterval = SEAQUEST_INIT_MOVE_INTERVAL;
  rampIndex = 0;
  terminal = false;

  constructor(readonly ramping: boolean = true) {}

  reset(): void {
    this.subX = 5;
    this.subY = 0;
    this.facingRight = false;
    this.oxygen = SEAQUEST_MAX_OXYGEN;
    this.diverCount = 0;
    this.surfaced = true;
    this.friendlyBullets.clear();
    this.enemyBullets.clear();
    this.fish.clear();
    this.enemySubs.clear();
    this.divers.clear();
    this.shotTimer = 0;
    this.enemySpawnInterval = SEAQUEST_INIT_SPAWN_INTERVAL;
    this.enemySpawnTimer = this.enemySpawnInterval;
    this.diverSpawnTimer = SEAQUEST_DIVER_SPAWN_INTERVAL;
    this.moveInterval = SEAQUEST_INIT_MOVE_INTERVAL;
    this.rampIndex = 0;
    this.terminal = false;
  }

  act(action: MinAtarAction, rng: Rng): number {
    if (this.terminal) return 0;
    let reward = 0;
    if (this.enemySpawnTimer === 0) {
      this.spawnEnemy(rng);
      this.enemySpawnTimer = this.enemySpawnInterval;
    }
    if (this.diverSpawnTimer === 0) {
      this.spawnDiver(rng);
      this.diverSpawnTimer = SEAQUEST_DIVER_SPAWN_INTERVAL;
    }

    if (action === FIRE) {
      if (this.shotTimer === 0) {
        this.friendlyBullets.push(this.subX, this.subY, this.facingRight);
        this.shotTimer = SEAQUEST_SHOT_COOL_DOWN;
      }
    } else if (action === LEFT) {
      this.subX = Math.max(0, this.subX - 1);
      this.facingRight = false;
    } else if (action === RIGHT) {
      this.subX = Math.min(GRID - 1, this.subX + 1);
      this.facingRight = true;
    } else if (action === UP) {
      this.subY = Math.max(0, this.subY - 1);
    } else if (action === DOWN) {
      this.subY = Math.min(GRID - 2, this.subY + 1);
    }

    reward += this.moveFriendlyBullets();
    this.moveDivers();
    reward += this.moveEnemies(this.enemySubs, true);
    this.moveEnemyBullets();
    reward += this.moveEnemies(this.fish, false);

    if (this.enemySpawnTimer > 0) this.enemySpawnTimer--;
    if (this.diverSpawnTimer > 0) this.diverSpawnTimer--;
    if (this.shotTimer > 0) this.shotTimer--;
    if (this.oxygen <= 0) this.terminal = true;
    if (this.subY > 0) {
      this.oxygen--;
      this.surfaced = false;
    } else if (!this.surfaced) {
      if (this.diverCount === 0) this.terminal = true;
      else reward += this.surface();
    }
    return reward;
  }

  writeChannels(out: Uint8Array): void {
    out.fill(0);
    out[(this.subY * GRID + this.subX) * C + SUB_FRONT] = 1;
    const back = Math.min(GRID - 1, Math.max(0, this.facingRight ? this.subX - 1 : this.subX + 1));
    out[(this.subY * GRID + back) * C + SUB_BACK] = 1;
    const bottom = (GRID - 1) * GRID;
    const oxygenCells = Math.floor((Math.max(0, this.oxygen) * 10) / SEAQUEST_MAX_OXYGEN);
    for (let x = 0; x < oxygenCells; x++) out[(bottom + x) * C + OXYGEN_GAUGE] = 1;
    for (let x = GRID - 1 - this.diverCount; x < GRID - 1; x++) out[(bottom + x) * C + DIVER_GAUGE] = 1;
    drawEntities(out, this.friendlyBullets, FRIENDLY_BULLET, false);
    drawEntities(out, this.enemyBullets, ENEMY_BULLET, false);
    drawEntities(out, this.fish, ENEMY_FISH, true);
    drawEntities(out, this.enemySubs, ENEMY_SUB, true);
    drawEntities(out, this.divers, DIVER, true);
  }

  info(): Info {
    return { ramp: this.rampIndex, oxygen: this.oxygen, divers: this.diverCount };
  }

  private atSub(x: number, y: number): boolean {
    return x === this.subX && y === this.subY;
  }

  /** Bullets fly one cell a frame; the first fish, else the first sub, in the bullet's cell dies. */
  private moveFriendlyBullets(): number {
    const b = this.friendlyBullets;
    let reward = 0;
    for (let i = b.count - 1; i >= 0; i--) {
      const x = b.x[i]! + (b.right[i] ? 1 : -1);
      const y = b.y[i]!;
      b.x[i] = x;
      if (x < 0 || x > GRID - 1) {
        b.removeAt(i);
        continue;
      }
      let j = this.fish.indexAt(x, y);
      if (j >= 0) {
        this.fish.removeAt(j);
      } else {
        j = this.enemySubs.indexAt(x, y);
        if (j < 0) continue;
        this.enemySubs.removeAt(j);
      }
      b.removeAt(i);
      reward++;
    }
    return reward;
  }

  /** Divers drift every 5th frame; the sub picks up one it meets while it has room. */
  private moveDivers(): void {
    const d = this.divers;
    for (let i = d.count - 1; i >= 0; i--) {
      if (this.atSub(d.x[i]!, d.y[i]!) && this.diverCount < SEAQUEST_MAX_DIVERS) {
        d.removeAt(i);
        this.diverCount++;
      } else if (d.moveTimer[i] === 0) {
        d.moveTimer[i] = SEAQUEST_DIVER_MOVE_INTERVAL;
        const x = d.x[i]! + (d.right[i] ? 1 : -1);
        d.x[i] = x;
        if (x < 0 || x > GRID - 1) {
          d.removeAt(i);
        } else if (this.atSub(x, d.y[i]!) && this.diverCount < SEAQUEST_MAX_DIVERS) {
          d.removeAt(i);
          this.diverCount++;
        }
      } else {
        d.moveTimer[i]!--;
      }
    }
  }

  /** Fish or subs: contact ends the game, moving into a bullet kills them (+1); subs also shoot. */
  private moveEnemies(list: EntityList, shoots: boolean): number {
    let reward = 0;
    for (let i = list.count - 1; i >= 0; i--) {
      let x = list.x[i]!;
      const y = list.y[i]!;
      const right = list.right[i] === 1;
      const shotTimer = list.shotTimer[i]!;
      let removed = false;
      if (this.atSub(x, y)) this.terminal = true;
      if (list.moveTimer[i] === 0) {
        list.moveTimer[i] = this.moveInterval;
        x += right ? 1 : -1;
        list.x[i] = x;
        if (x < 0 || x > GRID - 1) {
          list.removeAt(i);
          removed = true;
        } else if (this.atSub(x, y)) {
          this.terminal = true;
        } else {
          const k = this.friendlyBullets.indexAt(x, y);
          if (k >= 0) {
            list.removeAt(i);
            this.friendlyBullets.removeAt(k);
            reward++;
            removed = true;
          }
        }
      } else {
        list.moveTimer[i]!--;
      }
      if (!shoots) continue;
      // A sub fires on its timer even on the frame it dies (MinAtar's rule); off-board shots vanish at once.
      if (shotTimer === 0) {
        if (!removed) list.shotTimer[i] = SEAQUEST_ENEMY_SHOT_INTERVAL;
        this.enemyBullets.push(x, y, right);
      } else if (!removed) {
        list.shotTimer[i]!--;
      }
    }
    return reward;
  }

  private moveEnemyBullets(): void {
    const b = this.enemyBullets;
    for (let i = b.count - 1; i >= 0; i--) {
      if (this.atSub(b.x[i]!, b.y[i]!)) this.terminal = true;
      const x = b.x[i]! + (b.right[i] ? 1 : -1);
      b.x[i] = x;
      if (x < 0 || x > GRID - 1) b.removeAt(i);
      else if (this.atSub(x, b.y[i]!)) this.terminal = true;
    }
  }

  /** Refills oxygen; pays out and empties the sub when it is full of divers, else drops one. */
  private surface(): number {
    this.surfaced = true;
    let reward = 0;
    if (this.diverCount === SEAQUEST_MAX_DIVERS) {
      reward = Math.floor((this.oxygen * 10) / SEAQUEST_MAX_OXYGEN);
      // MinAtar's documented rule: all six leave. (Its code then also subtracts one, leaving −1,
      // which makes the next empty surfacing free; we follow the rule, not that slip.)
      this.diverCount = 0;
    } else {
      this.diverCount--;
    }
    this.oxygen = SEAQUEST_MAX_OXYGEN;
    if (this.ramping && (this.enemySpawnInterval > 1 || this.moveInterval > 2)) {
      if (this.moveInterval > 2 && this.rampIndex % 2 === 1) this.moveInterval--;
      if (this.enemySpawnInterval > 1) this.enemySpawnInterval--;
      this.rampIndex++;
    }
    return reward;
  }

  /** An enemy (a sub 1/3 of the time) enters a random lane from a random side, unless that lane has traffic the other way. */
  private spawnEnemy(rng: Rng): void {
    const fromLeft = rng.random() < 0.5;
    const isSub = rng.random() < 1 / 3;
    const y = 1 + rng.int(GRID - 2);
    if (this.laneBlocked(this.enemySubs, y, fromLeft) || this.laneBlocked(this.fish, y, fromLeft)) return;
    const x = fromLeft ? 0 : GRID - 1;
    if (isSub) this.enemySubs.push(x, y, fromLeft, this.moveInterval, SEAQUEST_ENEMY_SHOT_INTERVAL);
    else this.fish.push(x, y, fromLeft, this.moveInterval);
  }

  private laneBlocked(list: EntityList, y: number, right: boolean): boolean {
    for (let i = 0; i < list.count; i++) if (list.y[i] === y && (list.right[i] === 1) !== right) return true;
    return false;
  }

  private spawnDiver(rng: Rng): void {
    const fromLeft = rng.random() < 0.5;
    const y = 1 + rng.int(GRID - 2);
    this.divers.push(fromLeft ? 0 : GRID - 1, y, fromLeft, SEAQUEST_DIVER_MOVE_INTERVAL);
  }
}

/** Marks each entity of a list in channel `ch`, and the cell it came from in the trail channel. */
function drawEntities(out: Uint8Array, list: EntityList, ch: number, trail: boolean): void {
  for (let i = 0; i < list.count; i++) {
    const x = list.x[i]!;
    const row = list.y[i]! * GRID;
    out[(row + x) * C + ch] = 1;
    if (!trail) continue;
    const b = list.right[i] ? x - 1 : x + 1;
    if (b >= 0 && b <= GRID - 1) out[(row + b) * C + TRAIL] = 1;
  }
}

/** 'MinAtar/Seaquest-v1'. */
export class SeaquestEnv extends MinAtarEnv<SeaquestGame> {
  constructor(kwargs: Kwargs = {}) {
    super((ramping) => new SeaquestGame(ramping), 'MinAtar/Seaquest', kwargs);
  }
}
