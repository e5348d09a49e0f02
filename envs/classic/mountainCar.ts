/**
 * MountainCar, after Gymnasium's MountainCar-v0 (Moore's mountain car): an under-powered car in
 * a valley must rock itself up to the flag at position 0.5. Actions push left / nothing / right;
 * reward −1 a step; the car stops dead against the left wall. Observation [position, velocity]
 * as float32; dynamics in float64.
 */
import { BaseEnv, type EnvMetadata, type ResetOptions, type ResetResult, type StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import type { Scene } from '../render/scene.js';
import { Discrete } from '../spaces/discrete.js';
import { describeValue } from '../spaces/space.js';
import { RENDER_KWARGS, applyRenderSize, checkKwargs, checkState, clamp, float32Box, numberKwarg, resetBounds, type Float32Box } from './common.js';
import { MAX_POSITION, MIN_POSITION, mountainCarScene } from './mountainCarScene.js';

export const MOUNTAINCAR_MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

const NAME = 'MountainCar';
const STATE_NAMES = ['position', 'velocity'] as const;

export interface MountainCarKwargs {
  /** Gymnasium's `goal_velocity`: the episode ends at the flag only when moving at least this fast. */
  goalVelocity?: number;
  renderWidth?: number;
  renderHeight?: number;
}

export class MountainCarEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace: Float32Box = float32Box([MIN_POSITION, -MOUNTAINCAR_MAX_SPEED], [MAX_POSITION, MOUNTAINCAR_MAX_SPEED]);
  readonly actionSpace = new Discrete(3);
  override metadata: EnvMetadata = { renderFps: 30, renderModes: ['rgb_array'] };
  readonly goalPosition = GOAL_POSITION;
  readonly goalVelocity: number;

  private position = 0;
  private velocity = 0;
  private ready = false;

  constructor(kwargs?: EnvKwargs & MountainCarKwargs) {
    super();
    const k = checkKwargs(NAME, kwargs, ['goalVelocity', ...RENDER_KWARGS]);
    this.goalVelocity = numberKwarg(NAME, k, 'goalVelocity', 0);
    applyRenderSize(this, NAME, k);
  }

  reset(opts?: ResetOptions): ResetResult<Float32Array> {
    const [low, high] = resetBounds(NAME, opts, -0.6, -0.4);
    this.reseed(opts);
    this.position = this.rng.uniform(low, high);
    this.velocity = 0;
    this.ready = true;
    return { observation: this.observe(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.ready) throw new Error(`${NAME}: call reset() before step()`);
    if (action !== 0 && action !== 1 && action !== 2) throw new RangeError(`${NAME}: action must be 0, 1 or 2, got ${describeValue(action)}`);
    let velocity = this.velocity + (action - 1) * FORCE + Math.cos(3 * this.position) * -GRAVITY;
    velocity = clamp(velocity, -MOUNTAINCAR_MAX_SPEED, MOUNTAINCAR_MAX_SPEED);
    const position = clamp(this.position + velocity, MIN_POSITION, MAX_POSITION);
    // The left wall is inelastic.
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.position = position;
    this.velocity = velocity;
    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    return { observation: this.observe(), reward: -1, terminated, truncated: false, info: {} };
  }

  private observe(): Float32Array {
    const o = new Float32Array(2);
    o[0] = this.position;
    o[1] = this.velocity;
    return o;
  }

  /** [position, velocity], Gymnasium's order; setting it lets a trajectory be replayed. */
  get state(): number[] {
    return [this.position, this.velocity];
  }

  set state(s: ArrayLike<number>) {
    const [position, velocity] = checkState(NAME, s, STATE_NAMES);
    this.position = position!;
    this.velocity = velocity!;
    this.ready = true;
  }

  override scene(): Scene {
    return mountainCarScene(this.position, GOAL_POSITION);
  }

  keysToAction(): Record<string, number> {
    return { '': 1, ArrowLeft: 0, ArrowRight: 2, 'ArrowLeft+ArrowRight': 1 };
  }
}
