/**
 * Acrobot, after Gymnasium's Acrobot-v1 (Sutton's two-link underactuated arm): torque −1, 0 or
 * +1 on the middle joint, one RK4 step of 0.2 s with the "book" dynamics, reward −1 until the tip
 * swings above one link length over the pivot. Observation [cos θ1, sin θ1, cos θ2, sin θ2,
 * θ̇1, θ̇2] as float32; dynamics in float64.
 */
import type { EnvMetadata, ResetOptions, ResetResult, StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import type { Scene, Shape } from '../render/scene.js';
import { Discrete } from '../spaces/discrete.js';
import { ClassicControlEnv } from './classicEnv.js';
import { checkDiscreteAction, clamp, float32Box, resetBounds, rotatedBox, type Float32Box } from './common.js';

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_LENGTH_2 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const G = 9.8;
export const ACROBOT_MAX_VEL_1 = 4 * Math.PI;
export const ACROBOT_MAX_VEL_2 = 9 * Math.PI;
const TORQUES = [-1.0, 0.0, 1.0] as const;

const SCREEN = 500;
const NAME = 'Acrobot';
const STATE_NAMES = ['theta1', 'theta2', 'dtheta1', 'dtheta2'] as const;

/**
 * Time derivative of [θ1, θ2, θ̇1, θ̇2] under torque a (Gymnasium's `_dsdt`, book variant),
 * written to out[o … o+3].
 */
export function acrobotDerivatives(theta1: number, theta2: number, dtheta1: number, dtheta2: number, a: number, out: Float64Array, o: number): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const i1 = LINK_MOI;
  const i2 = LINK_MOI;
  const cos2 = Math.cos(theta2);
  const sin2 = Math.sin(theta2);
  const d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos2) + i1 + i2;
  const d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos2) + i2;
  const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin2 - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 + (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) + phi2;
  const ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin2 - phi2) / (m2 * lc2 * lc2 + i2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[o] = dtheta1;
  out[o + 1] = dtheta2;
  out[o + 2] = ddtheta1;
  out[o + 3] = ddtheta2;
}

/** Gymnasium's `wrap`: shifts x by multiples of (hi − lo) into [lo, hi]. */
export function wrapAngle(x: number, lo: number, hi: number): number {
  const diff = hi - lo;
  while (x > hi) x -= diff;
  while (x < lo) x += diff;
  return x;
}

export class AcrobotEnv extends ClassicControlEnv<number> {
  readonly observationSpace: Float32Box = float32Box([-1, -1, -1, -1, -ACROBOT_MAX_VEL_1, -ACROBOT_MAX_VEL_2], [1, 1, 1, 1, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2]);
  readonly actionSpace = new Discrete(3);
  override metadata: EnvMetadata = { renderFps: 15, renderModes: ['rgb_array'] };

  private readonly s = new Float64Array(4);
  /** k1 … k4 of the RK4 step, four values each. */
  private readonly k = new Float64Array(16);

  constructor(kwargs?: EnvKwargs) {
    super(NAME, STATE_NAMES, kwargs);
  }

  reset(opts?: ResetOptions): ResetResult<Float32Array> {
    const [low, high] = resetBounds(NAME, opts, -0.1, 0.1);
    this.reseed(opts);
    // Gymnasium casts the initial state to float32.
    for (let i = 0; i < 4; i++) this.s[i] = Math.fround(this.rng.uniform(low, high));
    return this.started();
  }

  step(action: number): StepResult<Float32Array> {
    this.requireReset();
    checkDiscreteAction(NAME, action, 3);
    const torque = TORQUES[action as 0 | 1 | 2];
    const s = this.s;
    const k = this.k;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const s2 = s[2]!;
    const s3 = s[3]!;
    const h = DT / 2;
    acrobotDerivatives(s0, s1, s2, s3, torque, k, 0);
    acrobotDerivatives(s0 + h * k[0]!, s1 + h * k[1]!, s2 + h * k[2]!, s3 + h * k[3]!, torque, k, 4);
    acrobotDerivatives(s0 + h * k[4]!, s1 + h * k[5]!, s2 + h * k[6]!, s3 + h * k[7]!, torque, k, 8);
    acrobotDerivatives(s0 + DT * k[8]!, s1 + DT * k[9]!, s2 + DT * k[10]!, s3 + DT * k[11]!, torque, k, 12);
    for (let i = 0; i < 4; i++) s[i] = s[i]! + (DT / 6) * (k[i]! + 2 * k[4 + i]! + 2 * k[8 + i]! + k[12 + i]!);
    s[0] = wrapAngle(s[0]!, -Math.PI, Math.PI);
    s[1] = wrapAngle(s[1]!, -Math.PI, Math.PI);
    s[2] = clamp(s[2]!, -ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_1);
    s[3] = clamp(s[3]!, -ACROBOT_MAX_VEL_2, ACROBOT_MAX_VEL_2);
    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    return { observation: this.observe(), reward: terminated ? 0 : -1, terminated, truncated: false, info: {} };
  }

  protected observe(): Float32Array {
    const s = this.s;
    const o = new Float32Array(6);
    o[0] = Math.cos(s[0]!);
    o[1] = Math.sin(s[0]!);
    o[2] = Math.cos(s[1]!);
    o[3] = Math.sin(s[1]!);
    o[4] = s[2]!;
    o[5] = s[3]!;
    return o;
  }

  /** [theta1, theta2, dtheta1, dtheta2]. */
  protected readState(): number[] {
    return Array.from(this.s);
  }

  protected writeState(values: readonly number[]): void {
    this.s.set(values);
  }

  /** Gymnasium's picture: two cyan links hanging from the centre, yellow joints, the goal line one link above the pivot. */
  override scene(): Scene {
    const s = this.s;
    const bound = LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2;
    const scale = SCREEN / (bound * 2);
    const offset = SCREEN / 2;
    const goalY = SCREEN - (1 * scale + offset);
    const shapes: Shape[] = [
      { type: 'line', x1: -2.2 * scale + offset, y1: goalY, x2: 2.2 * scale + offset, y2: goalY, width: 1, color: 0x000000, kind: 'target' },
    ];
    // Joint positions in y-up space: link 1 points along (sin θ1, −cos θ1), hanging down at θ = 0.
    const x1 = LINK_LENGTH_1 * Math.sin(s[0]!) * scale;
    const y1 = -LINK_LENGTH_1 * Math.cos(s[0]!) * scale;
    const joints: [number, number, number, number][] = [
      [0, 0, s[0]! - Math.PI / 2, LINK_LENGTH_1 * scale],
      [x1, y1, s[0]! + s[1]! - Math.PI / 2, LINK_LENGTH_2 * scale],
    ];
    const jointR = Math.trunc(0.1 * scale);
    for (const [jx, jy, th, len] of joints) {
      const x = jx + offset;
      const y = jy + offset;
      shapes.push(
        { type: 'polygon', points: rotatedBox(0, len, -0.1 * scale, 0.1 * scale, th, x, y, SCREEN), color: 0x00cccc, kind: 'link' },
        { type: 'circle', x: Math.trunc(x), y: SCREEN - Math.trunc(y), r: jointR, color: 0xcccc00, kind: 'joint' },
      );
    }
    return { width: SCREEN, height: SCREEN, background: 0xffffff, shapes };
  }

  /** ArrowLeft applies torque −1, ArrowRight +1, nothing held 0. */
  keysToAction(): Record<string, number> {
    return { '': 1, ArrowLeft: 0, ArrowRight: 2, 'ArrowLeft+ArrowRight': 1 };
  }
}
