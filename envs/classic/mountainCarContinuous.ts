/**
 * MountainCarContinuous, after Gymnasium's MountainCarContinuous-v0: the mountain car with a
 * continuous push in [−1, 1], a flag at 0.45, reward +100 on reaching it minus 0.1·action² a
 * step. As in Gymnasium the state is stored as float32 after every step.
 */
import { BaseEnv, type EnvMetadata, type ResetOptions, type ResetResult, type StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import type { Scene } from '../render/scene.js';
import { describeValue } from '../spaces/space.js';
import { RENDER_KWARGS, applyRenderSize, checkKwargs, checkState, clamp, float32Box, numberKwarg, resetBounds, type Float32Box } from './common.js';
import { MOUNTAINCAR_MAX_SPEED } from './mountainCar.js';
import { MAX_POSITION, MIN_POSITION, mountainCarScene } from './mountainCarScene.js';

const GOAL_POSITION = 0.45;
const POWER = 0.0015;
const GRAVITY = 0.0025;
const MIN_ACTION = -1;
const MAX_ACTION = 1;

const NAME = 'MountainCarContinuous';
const STATE_NAMES = ['position', 'velocity'] as const;

export interface MountainCarContinuousKwargs {
  goalVelocity?: number;
  renderWidth?: number;
  renderHeight?: number;
}

export class MountainCarContinuousEnv extends BaseEnv<Float32Array, ArrayLike<number>> {
  readonly observationSpace: Float32Box = float32Box([MIN_POSITION, -MOUNTAINCAR_MAX_SPEED], [MAX_POSITION, MOUNTAINCAR_MAX_SPEED]);
  readonly actionSpace: Float32Box = float32Box(MIN_ACTION, MAX_ACTION, [1]);
  override metadata: EnvMetadata = { renderFps: 30, renderModes: ['rgb_array'] };
  readonly goalPosition = GOAL_POSITION;
  readonly goalVelocity: number;

  private position = 0;
  private velocity = 0;
  private ready = false;

  constructor(kwargs?: EnvKwargs & MountainCarContinuousKwargs) {
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

  step(action: ArrayLike<number>): StepResult<Float32Array> {
    if (!this.ready) throw new Error(`${NAME}: call reset() before step()`);
    const a = action?.[0];
    if (action?.length !== 1 || typeof a !== 'number' || !Number.isFinite(a))
      throw new RangeError(`${NAME}: action must be one finite number in an array, got ${describeValue(action)}`);
    const force = clamp(a, MIN_ACTION, MAX_ACTION);
    let velocity = clamp(this.velocity + force * POWER - GRAVITY * Math.cos(3 * this.position), -MOUNTAINCAR_MAX_SPEED, MOUNTAINCAR_MAX_SPEED);
    const position = clamp(this.position + velocity, MIN_POSITION, MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    // Gymnasium charges for the action as given, not the clipped force.
    const reward = (terminated ? 100 : 0) - a * a * 0.1;
    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
    return { observation: this.observe(), reward, terminated, truncated: false, info: {} };
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

  keysToAction(): Record<string, ArrayLike<number>> {
    return { '': Float32Array.of(0), ArrowLeft: Float32Array.of(-1), ArrowRight: Float32Array.of(1), 'ArrowLeft+ArrowRight': Float32Array.of(0) };
  }
}
