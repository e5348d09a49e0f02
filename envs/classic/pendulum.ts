/**
 * Pendulum, after Gymnasium's Pendulum-v1: swing a rod up and hold it with a torque in [−2, 2].
 * θ = 0 is upright, positive θ counter-clockwise. Reward −(θ² + 0.1·θ̇² + 0.001·u²) with θ
 * normalised to [−π, π); never terminates. Observation [cos θ, sin θ, θ̇] as float32.
 */
import type { EnvMetadata, ResetOptions, ResetResult, StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import type { Scene, Shape } from '../render/scene.js';
import { ClassicControlEnv } from './classicEnv.js';
import { clamp, float32Box, numberKwarg, rotatedBox, scalarAction, toNumber, type Float32Box } from './common.js';

export const PENDULUM_MAX_SPEED = 8;
export const PENDULUM_MAX_TORQUE = 2.0;
const DT = 0.05;
const MASS = 1.0;
const LENGTH = 1.0;
const DEFAULT_X = Math.PI;
const DEFAULT_Y = 1.0;

const SCREEN = 500;
const NAME = 'Pendulum';
const STATE_NAMES = ['theta', 'theta_dot'] as const;

export interface PendulumKwargs {
  /** Gravity (Gymnasium's `g`), 10.0 by default. */
  g?: number;
  renderWidth?: number;
  renderHeight?: number;
}

/** Gymnasium's angle_normalize: wraps to [−π, π) with a floored modulo. */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let m = (x + Math.PI) % period;
  if (m < 0) m += period;
  return m - Math.PI;
}

export class PendulumEnv extends ClassicControlEnv<ArrayLike<number>> {
  readonly observationSpace: Float32Box = float32Box([-1, -1, -PENDULUM_MAX_SPEED], [1, 1, PENDULUM_MAX_SPEED]);
  readonly actionSpace: Float32Box = float32Box(-PENDULUM_MAX_TORQUE, PENDULUM_MAX_TORQUE, [1]);
  override metadata: EnvMetadata = { renderFps: 30, renderModes: ['rgb_array'] };
  readonly g: number;

  private theta = 0;
  private thetaDot = 0;
  /** The last torque applied, drawn as an arrow; null right after reset. */
  private lastU: number | null = null;

  constructor(kwargs?: EnvKwargs & PendulumKwargs) {
    super(NAME, STATE_NAMES, kwargs, ['g']);
    this.g = numberKwarg(NAME, this.kwargs, 'g', 10.0);
  }

  /** Options `x_init` (θ range, default π) and `y_init` (θ̇ range, default 1), both symmetric, as Gymnasium. */
  reset(opts?: ResetOptions): ResetResult<Float32Array> {
    const o = opts?.options;
    const hx = o && 'x_init' in o ? toNumber(NAME, 'x_init', o.x_init) : DEFAULT_X;
    const hy = o && 'y_init' in o ? toNumber(NAME, 'y_init', o.y_init) : DEFAULT_Y;
    this.reseed(opts);
    this.theta = this.rng.uniform(-hx, hx);
    this.thetaDot = this.rng.uniform(-hy, hy);
    this.lastU = null;
    return this.started();
  }

  step(action: ArrayLike<number>): StepResult<Float32Array> {
    this.requireReset();
    const u = clamp(scalarAction(NAME, action), -PENDULUM_MAX_TORQUE, PENDULUM_MAX_TORQUE);
    this.lastU = u;
    const th = this.theta;
    const thDot = this.thetaDot;
    const n = angleNormalize(th);
    const cost = n * n + 0.1 * thDot * thDot + 0.001 * u * u;
    let newThDot = thDot + ((3 * this.g) / (2 * LENGTH) * Math.sin(th) + (3.0 / (MASS * LENGTH * LENGTH)) * u) * DT;
    newThDot = clamp(newThDot, -PENDULUM_MAX_SPEED, PENDULUM_MAX_SPEED);
    this.theta = th + newThDot * DT;
    this.thetaDot = newThDot;
    return { observation: this.observe(), reward: -cost, terminated: false, truncated: false, info: {} };
  }

  protected observe(): Float32Array {
    const o = new Float32Array(3);
    o[0] = Math.cos(this.theta);
    o[1] = Math.sin(this.theta);
    o[2] = this.thetaDot;
    return o;
  }

  /** [theta, theta_dot]. */
  protected readState(): number[] {
    return [this.theta, this.thetaDot];
  }

  protected writeState([theta, thetaDot]: readonly number[]): void {
    this.theta = theta!;
    this.thetaDot = thetaDot!;
  }

  /** Gymnasium's picture: a red rod from the centre, rounded ends, a black axle and an arc arrow for the torque. */
  override scene(): Scene {
    const scale = SCREEN / (2.2 * 2);
    const offset = SCREEN / 2;
    const rodLen = 1 * scale;
    const rodW = 0.2 * scale;
    const angle = this.theta + Math.PI / 2;
    const color = 0xcc4d4d;
    const endR = Math.trunc(rodW / 2);
    const shapes: Shape[] = [
      { type: 'polygon', points: rotatedBox(0, rodLen, -rodW / 2, rodW / 2, angle, offset, offset, SCREEN), color, kind: 'rod' },
      { type: 'circle', x: offset, y: SCREEN - offset, r: endR, color, kind: 'rod' },
      {
        type: 'circle',
        x: Math.trunc(rodLen * Math.cos(angle) + offset),
        y: SCREEN - Math.trunc(rodLen * Math.sin(angle) + offset),
        r: endR,
        color,
        kind: 'rod',
      },
    ];
    if (this.lastU !== null && this.lastU !== 0) shapes.push(...torqueArrow(this.lastU, scale, offset));
    shapes.push({ type: 'circle', x: offset, y: SCREEN - offset, r: Math.trunc(0.05 * scale), color: 0x000000, kind: 'axle' });
    return { width: SCREEN, height: SCREEN, background: 0xffffff, shapes };
  }

  /** Arrow keys turn the rod: ArrowLeft counter-clockwise (+2), ArrowRight clockwise (−2). */
  keysToAction(): Record<string, ArrayLike<number>> {
    return {
      '': Float32Array.of(0),
      ArrowLeft: Float32Array.of(PENDULUM_MAX_TORQUE),
      ArrowRight: Float32Array.of(-PENDULUM_MAX_TORQUE),
      'ArrowLeft+ArrowRight': Float32Array.of(0),
    };
  }
}

/**
 * Stands in for Gymnasium's clockwise.png: a 3/4 arc around the axle, sized by |u|, with an
 * arrowhead showing the direction (counter-clockwise for u > 0).
 */
function torqueArrow(u: number, scale: number, offset: number): Shape[] {
  const radius = (scale * Math.abs(u)) / 4;
  const width = Math.max(1, radius / 8);
  const dir = u > 0 ? 1 : -1;
  const start = -Math.PI / 4; // the gap sits at the lower right
  const sweep = 1.5 * Math.PI * dir;
  const segments = 16;
  const shapes: Shape[] = [];
  // Points in y-up space around the axle, flipped to scene y.
  const at = (a: number, r: number): [number, number] => [offset + r * Math.cos(a), SCREEN - (offset + r * Math.sin(a))];
  for (let i = 0; i < segments; i++) {
    const [x1, y1] = at(start + (sweep * i) / segments, radius);
    const [x2, y2] = at(start + (sweep * (i + 1)) / segments, radius);
    shapes.push({ type: 'line', x1, y1, x2, y2, width, color: 0x000000, kind: 'torque' });
  }
  const end = start + sweep;
  const head = Math.max(3, radius / 3);
  const [tipX, tipY] = at(end + dir * (head / radius), radius);
  const [ox, oy] = at(end, radius + head / 2);
  const [ix, iy] = at(end, radius - head / 2);
  shapes.push({ type: 'polygon', points: [tipX, tipY, ox, oy, ix, iy], color: 0x000000, kind: 'torque' });
  return shapes;
}
