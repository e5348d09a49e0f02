/**
 * CartPole, after Gymnasium's CartPole-v1 (Barto, Sutton & Anderson's cart-pole): same
 * constants, Euler integration, termination at |x| > 2.4 or |θ| > 12°, reward 1 a step (also on
 * the failing step), observation [x, ẋ, θ, θ̇] as float32. Dynamics run in float64.
 */
import type { EnvMetadata, ResetOptions, ResetResult, StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import type { Scene } from '../render/scene.js';
import { Discrete } from '../spaces/discrete.js';
import { ClassicControlEnv } from './classicEnv.js';
import { FLOAT32_MAX, checkDiscreteAction, float32Box, resetBounds, rotatedBox, type Float32Box } from './common.js';

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_CART + MASS_POLE;
const HALF_LENGTH = 0.5; // half the pole's length
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds a step
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const CARTPOLE_X_THRESHOLD = 2.4;

const SCREEN_W = 600;
const SCREEN_H = 400;

const NAME = 'CartPole';
const STATE_NAMES = ['x', 'x_dot', 'theta', 'theta_dot'] as const;

export interface CartPoleKwargs {
  /** Gymnasium's `sutton_barto_reward`: 0 a step and −1 on failure instead of +1 a step. */
  suttonBartoReward?: boolean;
  renderWidth?: number;
  renderHeight?: number;
}

export class CartPoleEnv extends ClassicControlEnv<number> {
  readonly observationSpace: Float32Box;
  readonly actionSpace = new Discrete(2);
  override metadata: EnvMetadata = { renderFps: 50, renderModes: ['rgb_array'] };

  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  /** Steps taken after the one that terminated (−1: not terminated yet), as Gymnasium tracks it. */
  private stepsBeyondTerminated = -1;
  private readonly suttonBarto: boolean;

  constructor(kwargs?: EnvKwargs & CartPoleKwargs) {
    super(NAME, STATE_NAMES, kwargs, ['suttonBartoReward']);
    const sb = this.kwargs.suttonBartoReward ?? false;
    if (typeof sb !== 'boolean') throw new TypeError(`${NAME}: kwarg suttonBartoReward must be a boolean`);
    this.suttonBarto = sb;
    const high = [CARTPOLE_X_THRESHOLD * 2, FLOAT32_MAX, CARTPOLE_THETA_THRESHOLD * 2, FLOAT32_MAX];
    this.observationSpace = float32Box(
      high.map((v) => -v),
      high,
    );
  }

  reset(opts?: ResetOptions): ResetResult<Float32Array> {
    const [low, high] = resetBounds(NAME, opts, -0.05, 0.05);
    this.reseed(opts);
    this.x = this.rng.uniform(low, high);
    this.xDot = this.rng.uniform(low, high);
    this.theta = this.rng.uniform(low, high);
    this.thetaDot = this.rng.uniform(low, high);
    this.stepsBeyondTerminated = -1;
    return this.started();
  }

  step(action: number): StepResult<Float32Array> {
    this.requireReset();
    checkDiscreteAction(NAME, action, 2);
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cos = Math.cos(this.theta);
    const sin = Math.sin(this.theta);
    const thetaDot = this.thetaDot;
    const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * cos * cos) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    // Explicit Euler: positions move with the old velocities.
    const x = this.x + TAU * this.xDot;
    const theta = this.theta + TAU * thetaDot;
    this.x = x;
    this.xDot = this.xDot + TAU * xAcc;
    this.theta = theta;
    this.thetaDot = thetaDot + TAU * thetaAcc;

    const terminated = x < -CARTPOLE_X_THRESHOLD || x > CARTPOLE_X_THRESHOLD || theta < -CARTPOLE_THETA_THRESHOLD || theta > CARTPOLE_THETA_THRESHOLD;
    let reward: number;
    if (!terminated) {
      reward = this.suttonBarto ? 0 : 1;
    } else if (this.stepsBeyondTerminated < 0) {
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBarto ? -1 : 1;
    } else {
      // Stepping past the end is undefined behaviour in Gymnasium; it pays 0 (−1 with Sutton–Barto).
      this.stepsBeyondTerminated++;
      reward = this.suttonBarto ? -1 : 0;
    }
    return { observation: this.observe(), reward, terminated, truncated: false, info: {} };
  }

  protected observe(): Float32Array {
    const o = new Float32Array(4);
    o[0] = this.x;
    o[1] = this.xDot;
    o[2] = this.theta;
    o[3] = this.thetaDot;
    return o;
  }

  /** [x, x_dot, theta, theta_dot] in float64. */
  protected readState(): number[] {
    return [this.x, this.xDot, this.theta, this.thetaDot];
  }

  protected writeState([x, xDot, theta, thetaDot]: readonly number[]): void {
    this.x = x!;
    this.xDot = xDot!;
    this.theta = theta!;
    this.thetaDot = thetaDot!;
    this.stepsBeyondTerminated = -1;
  }

  /** Gymnasium's picture: black cart on a track, tan pole, blue-grey axle, in a 600×400 scene. */
  override scene(): Scene {
    const scale = SCREEN_W / (CARTPOLE_X_THRESHOLD * 2);
    const poleWidth = 10;
    const poleLen = scale * (2 * HALF_LENGTH);
    const cartW = 50;
    const cartH = 30;
    const axleOffset = cartH / 4;
    const cartX = this.x * scale + SCREEN_W / 2;
    const cartY = 100; // cart centre height in Gymnasium's y-up space
    return {
      width: SCREEN_W,
      height: SCREEN_H,
      background: 0xffffff,
      shapes: [
        // Gymnasium draws the track last; underneath the cart it looks the same and labels better.
        { type: 'line', x1: 0, y1: SCREEN_H - cartY, x2: SCREEN_W, y2: SCREEN_H - cartY, width: 1, color: 0x000000, kind: 'track' },
        { type: 'rect', x: cartX - cartW / 2, y: SCREEN_H - (cartY + cartH / 2), w: cartW, h: cartH, color: 0x000000, kind: 'cart' },
        {
          type: 'polygon',
          points: rotatedBox(-poleWidth / 2, poleWidth / 2, -poleWidth / 2, poleLen - poleWidth / 2, -this.theta, cartX, cartY + axleOffset, SCREEN_H),
          color: 0xca9865,
          kind: 'pole',
        },
        { type: 'circle', x: cartX, y: SCREEN_H - (cartY + axleOffset), r: poleWidth / 2, color: 0x8184cb, kind: 'axle' },
      ],
    };
  }

  keysToAction(): Record<string, number> {
    return { ArrowLeft: 0, ArrowRight: 1 };
  }
}
