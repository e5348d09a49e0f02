import { BaseEnv, type EnvMetadata, type Info, type ResetOptions, type ResetResult, type StepResult } from '../core.js';
import { rasterize } from '../render/rasterize.js';
import type { RectShape, Scene } from '../render/scene.js';
import { Box, type BoxArray } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import { describeValue } from '../spaces/space.js';
import { MAX_FRAME_SIDE, checkKnownKwargs, choiceKwarg, intKwarg, numberKwarg, type Kwargs } from './kwargs.js';

/** Court size in scene units (the default 84 × 84 frame draws it one unit a pixel). */
export const PONG_COURT = 84;
export const PONG_PADDLE_HEIGHT = 14;
export const PONG_PADDLE_WIDTH = 2;
export const PONG_BALL_SIZE = 2;
/** Left edge of the agent's paddle (right side of the court) and of the opponent's (left side). */
export const PONG_PLAYER_X = PONG_COURT - 6;
export const PONG_OPPONENT_X = 4;
/** Units per step. */
export const PONG_PLAYER_SPEED = 3;
export const PONG_SERVE_SPEED = 1.5;
export const PONG_MAX_VX = 4;
export const PONG_MAX_VY = 2.5;
/** Each paddle hit speeds the ball up by this factor, up to PONG_MAX_VX. */
const SPEEDUP = 1.1;

export const PONG_NOOP = 0;
export const PONG_UP = 1;
export const PONG_DOWN = 2;

export type PongObsType = 'rgb' | 'state';

export interface PongKwargs {
  /** 'rgb' (default): the scene rasterized, Box uint8 [height, width, 3]; 'state': Box float32 [6] (see `PongEnv.observation`). */
  obsType?: PongObsType;
  width?: number;
  height?: number;
  /** Points that win the game (default 5; 21 for the Atari length). */
  winningScore?: number;
  /** The scripted opponent's top paddle speed in units per step (default 2; the agent's is 3). */
  opponentSpeed?: number;
}

const NAME = 'Pong';
const COLORS = { opponent: 0xd55e00, player: 0x5cb85c, ball: 0xffffff } as const;

/**
 * A small Pong on a continuous 84 × 84 court. The agent's paddle is on the right (noop / up /
 * down); a scripted opponent on the left follows the ball at a limited speed, aiming to meet it
 * at a random point of its paddle, once the ball enters its half; otherwise it drifts back to the middle. The ball bounces
 * off the top and bottom walls; a paddle sends it back faster, angled by where it hit. +1 when
 * the opponent misses, −1 when the agent misses; the first to `winningScore` points ends the game.
 * State (public): ball `ballX`, `ballY` (top-left corner), `ballVX`, `ballVY`; paddle tops
 * `playerY`, `opponentY`; `playerScore`, `opponentScore`; `opponentAim`.
 */
export class PongEnv extends BaseEnv<BoxArray, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(3);
  override metadata: EnvMetadata = { renderFps: 30, renderModes: ['rgb_array'] };
  readonly obsType: PongObsType;
  readonly winningScore: number;
  readonly opponentSpeed: number;
  ballX = 0;
  ballY = 0;
  ballVX = 0;
  ballVY = 0;
  playerY = (PONG_COURT - PONG_PADDLE_HEIGHT) / 2;
  opponentY = (PONG_COURT - PONG_PADDLE_HEIGHT) / 2;
  playerScore = 0;
  opponentScore = 0;
  /** Offset from the paddle's centre at which the opponent means to meet the ball (redrawn each rally leg). */
  opponentAim = 0;
  terminal = false;
  private started = false;
  private readonly reusedScene: Scene;

  constructor(kwargs: Kwargs = {}) {
    super();
    checkKnownKwargs(NAME, kwargs, ['obsType', 'width', 'height', 'winningScore', 'opponentSpeed']);
    this.obsType = choiceKwarg(NAME, kwargs, 'obsType', ['rgb', 'state'] as const, 'rgb');
    this.renderWidth = intKwarg(NAME, kwargs, 'width', 84, 1, MAX_FRAME_SIDE);
    this.renderHeight = intKwarg(NAME, kwargs, 'height', 84, 1, MAX_FRAME_SIDE);
    this.winningScore = intKwarg(NAME, kwargs, 'winningScore', 5, 1, 1000);
    this.opponentSpeed = numberKwarg(NAME, kwargs, 'opponentSpeed', 2, 0, PONG_COURT);
    this.observationSpace =
      this.obsType === 'state'
        ? new Box(-2, 2, [6], 'float32')
        : new Box(0, 255, [this.renderHeight, this.renderWidth, 3], 'uint8');
    this.reusedScene = this.buildScene();
  }

  reset(opts?: ResetOptions): ResetResult<BoxArray> {
    this.reseed(opts);
    this.playerY = this.opponentY = (PONG_COURT - PONG_PADDLE_HEIGHT) / 2;
    this.playerScore = this.opponentScore = 0;
    this.terminal = false;
    this.started = true;
    this.serve();
    return { observation: this.observation(), info: this.info() };
  }

  step(action: number): StepResult<BoxArray> {
    if (!this.actionSpace.contains(action))
      throw new RangeError(`${NAME}: action ${describeValue(action)} is outside the action space ${String(this.actionSpace)}`);
    if (!this.started) throw new Error(`${NAME}: step() called before reset()`);
    const reward = this.terminal ? 0 : this.advance(action);
    return { observation: this.observation(), reward, terminated: this.terminal, truncated: false, info: this.info() };
  }

  /**
   * The current observation, in a new array the caller owns. 'state' holds, scaled to about
   * [−1, 1] around the court's centre: ball x, ball y, ball vx / max vx, ball vy / max vy, the
   * agent's paddle centre y, the opponent's paddle centre y.
   */
  observation(): BoxArray {
    if (this.obsType === 'state') {
      const h = PONG_COURT / 2;
      const half = PONG_PADDLE_HEIGHT / 2;
      return Float32Array.of(
        (this.ballX + PONG_BALL_SIZE / 2 - h) / h,
        (this.ballY + PONG_BALL_SIZE / 2 - h) / h,
        this.ballVX / PONG_MAX_VX,
        this.ballVY / PONG_MAX_VY,
        (this.playerY + half - h) / h,
        (this.opponentY + half - h) / h,
      );
    }
    const out = new Uint8Array(this.renderWidth! * this.renderHeight! * 3);
    this.placeShapes(this.reusedScene);
    rasterize(this.reusedScene, this.renderWidth!, this.renderHeight!, out);
    return out;
  }

  /** The court: both paddles and the ball as rects (kinds 'opponent', 'player', 'ball') on black. */
  override scene(): Scene {
    const scene = this.buildScene();
    this.placeShapes(scene);
    return scene;
  }

  keysToAction(): Record<string, number> {
    return { '': PONG_NOOP, ArrowUp: PONG_UP, ArrowDown: PONG_DOWN };
  }

  private info(): Info {
    // `lives`: points the opponent still needs to win, as Atari envs count lives down.
    return { playerScore: this.playerScore, opponentScore: this.opponentScore, lives: this.winningScore - this.opponentScore };
  }

  private advance(action: number): number {
    const top = PONG_COURT - PONG_PADDLE_HEIGHT;
    if (action === PONG_UP) this.playerY = Math.max(0, this.playerY - PONG_PLAYER_SPEED);
    else if (action === PONG_DOWN) this.playerY = Math.min(top, this.playerY + PONG_PLAYER_SPEED);
    // The opponent steers, no faster than its top speed, towards the ball (off-centre by its aim,
    // so its returns come back angled) once the ball comes its way through its half of the court,
    // else back to the middle: fast, steep balls can beat it.
    const chasing = this.ballVX < 0 && this.ballX < PONG_COURT / 2;
    const target = chasing ? this.ballY + PONG_BALL_SIZE / 2 + this.opponentAim : PONG_COURT / 2;
    const gap = target - (this.opponentY + PONG_PADDLE_HEIGHT / 2);
    const move = Math.max(-this.opponentSpeed, Math.min(this.opponentSpeed, gap));
    this.opponentY = Math.min(top, Math.max(0, this.opponentY + move));

    const x0 = this.ballX;
    const y0 = this.ballY;
    let x = x0 + this.ballVX;
    let y = y0 + this.ballVY;
    const floor = PONG_COURT - PONG_BALL_SIZE;
    if (y < 0) {
      y = -y;
      this.ballVY = -this.ballVY;
    } else if (y > floor) {
      y = 2 * floor - y;
      this.ballVY = -this.ballVY;
    }
    // Swept paddle test: where the ball's leading edge crosses the paddle's face this step.
    const vx = this.ballVX;
    if (vx > 0) {
      const face = PONG_PLAYER_X;
      if (x0 + PONG_BALL_SIZE <= face && x + PONG_BALL_SIZE > face && this.hits(x0, x, y0, y, face - PONG_BALL_SIZE, this.playerY)) {
        x = 2 * (face - PONG_BALL_SIZE) - x;
        this.bounce(this.playerY, y);
        this.drawOpponentAim();
      }
    } else if (vx < 0) {
      const face = PONG_OPPONENT_X + PONG_PADDLE_WIDTH;
      if (x0 >= face && x < face && this.hits(x0, x, y0, y, face, this.opponentY)) {
        x = 2 * face - x;
        this.bounce(this.opponentY, y);
      }
    }
    this.ballX = x;
    this.ballY = y;

    let reward = 0;
    if (x > PONG_COURT) {
      reward = -1;
      this.opponentScore++;
    } else if (x + PONG_BALL_SIZE < 0) {
      reward = 1;
      this.playerScore++;
    }
    if (reward !== 0) {
      if (this.playerScore >= this.winningScore || this.opponentScore >= this.winningScore) this.terminal = true;
      else this.serve();
    }
    return reward;
  }

  /** Whether the ball, moving from (x0, y0) to (x1, y1), overlaps the paddle whose top is `paddleY` when its x reaches `contactX`. */
  private hits(x0: number, x1: number, y0: number, y1: number, contactX: number, paddleY: number): boolean {
    const t = (contactX - x0) / (x1 - x0);
    const y = y0 + (y1 - y0) * Math.min(1, Math.max(0, t));
    return y + PONG_BALL_SIZE > paddleY && y < paddleY + PONG_PADDLE_HEIGHT;
  }

  /** Sends the ball back faster, steeper the further from the paddle's centre it hit. */
  private bounce(paddleY: number, ballY: number): void {
    const reach = (PONG_PADDLE_HEIGHT + PONG_BALL_SIZE) / 2;
    const offset = (ballY + PONG_BALL_SIZE / 2 - (paddleY + PONG_PADDLE_HEIGHT / 2)) / reach;
    this.ballVY = PONG_MAX_VY * Math.max(-1, Math.min(1, offset));
    this.ballVX = -Math.sign(this.ballVX) * Math.min(PONG_MAX_VX, Math.abs(this.ballVX) * SPEEDUP);
  }

  /** The ball restarts from the centre towards a random side at a random gentle angle. */
  private serve(): void {
    this.ballX = this.ballY = (PONG_COURT - PONG_BALL_SIZE) / 2;
    this.ballVX = this.rng.random() < 0.5 ? -PONG_SERVE_SPEED : PONG_SERVE_SPEED;
    this.ballVY = this.rng.uniform(-1, 1);
    this.drawOpponentAim();
  }

  /** Where on its paddle the opponent means to meet the next ball: anywhere but the very ends. */
  private drawOpponentAim(): void {
    this.opponentAim = this.rng.uniform(-0.8, 0.8) * (PONG_PADDLE_HEIGHT / 2);
  }

  private buildScene(): Scene {
    const rect = (kind: keyof typeof COLORS, x: number, w: number, h: number): RectShape => ({ type: 'rect', x, y: 0, w, h, color: COLORS[kind], kind });
    return {
      width: PONG_COURT,
      height: PONG_COURT,
      background: 0x000000,
      shapes: [
        rect('opponent', PONG_OPPONENT_X, PONG_PADDLE_WIDTH, PONG_PADDLE_HEIGHT),
        rect('player', PONG_PLAYER_X, PONG_PADDLE_WIDTH, PONG_PADDLE_HEIGHT),
        rect('ball', 0, PONG_BALL_SIZE, PONG_BALL_SIZE),
      ],
    };
  }

  private placeShapes(scene: Scene): void {
    const [opponent, player, ball] = scene.shapes as [RectShape, RectShape, RectShape];
    opponent.y = this.opponentY;
    player.y = this.playerY;
    ball.x = this.ballX;
    ball.y = this.ballY;
  }
}
