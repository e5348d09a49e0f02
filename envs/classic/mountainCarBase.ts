/**
 * What the two MountainCar variants share: the [position, velocity] state and its float32
 * observation, the reset range, the track (clipped position, inelastic left wall, the flag test)
 * and the picture. Each variant adds its action space, push and reward.
 */
import type { EnvMetadata, ResetOptions, ResetResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import type { Frame, Scene } from '../render/scene.js';
import { ClassicControlEnv } from './classicEnv.js';
import { clamp, float32Box, numberKwarg, resetBounds, type Float32Box } from './common.js';
import { MAX_POSITION, MIN_POSITION, SCREEN_H, SCREEN_W, mountainCarScene, renderMountainCar } from './mountainCarScene.js';

export const MOUNTAINCAR_MAX_SPEED = 0.07;
const GRAVITY = 0.0025;
const STATE_NAMES = ['position', 'velocity'] as const;

export abstract class MountainCarBaseEnv<A> extends ClassicControlEnv<A> {
  readonly observationSpace: Float32Box = float32Box([MIN_POSITION, -MOUNTAINCAR_MAX_SPEED], [MAX_POSITION, MOUNTAINCAR_MAX_SPEED]);
  override metadata: EnvMetadata = { renderFps: 30, renderModes: ['rgb_array'] };
  /** Gymnasium's `goal_velocity`: the episode ends at the flag only when moving at least this fast. */
  readonly goalVelocity: number;

  protected position = 0;
  protected velocity = 0;

  protected constructor(
    name: string,
    /** Where the flag stands. */
    readonly goalPosition: number,
    kwargs: EnvKwargs | undefined,
  ) {
    super(name, STATE_NAMES, kwargs, ['goalVelocity']);
    this.goalVelocity = numberKwarg(name, this.kwargs, 'goalVelocity', 0);
  }

  reset(opts?: ResetOptions): ResetResult<Float32Array> {
    const [low, high] = resetBounds(this.envName, opts, -0.6, -0.4);
    this.reseed(opts);
    this.position = this.rng.uniform(low, high);
    this.velocity = 0;
    return this.started();
  }

  /**
   * v ← clip(v + push − 0.0025·cos(3p), ±0.07); p ← clip(p + v, [−1.2, 0.6]), stopping dead
   * against the left wall. Returns whether the car reached the flag fast enough.
   */
  protected drive(push: number): boolean {
    // Gymnasium's `velocity += push + cos(3p)·(−g)`: the bracket is summed first, which rounds
    // differently from (v + push) − g·cos(3p); keeping its order keeps trajectories bit-identical.
    let velocity = clamp(this.velocity + (push - GRAVITY * Math.cos(3 * this.position)), -MOUNTAINCAR_MAX_SPEED, MOUNTAINCAR_MAX_SPEED);
    const position = clamp(this.position + velocity, MIN_POSITION, MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.position = position;
    this.velocity = velocity;
    return position >= this.goalPosition && velocity >= this.goalVelocity;
  }

  protected observe(): Float32Array {
    const o = new Float32Array(2);
    o[0] = this.position;
    o[1] = this.velocity;
    return o;
  }

  protected readState(): number[] {
    return [this.position, this.velocity];
  }

  protected writeState([position, velocity]: readonly number[]): void {
    this.position = position!;
    this.velocity = velocity!;
  }

  override scene(): Scene {
    return mountainCarScene(this.position, this.goalPosition);
  }

  // render() and renderInto() copy the hill from a per-size cache instead of rasterizing its 99
  // segments each frame: the same bytes as rasterizing scene(). A subclass that draws a scene of
  // its own gets BaseEnv's generic path.
  override render(): Frame | null {
    if (this.scene !== MountainCarBaseEnv.prototype.scene) return super.render();
    return renderMountainCar(this.position, this.goalPosition, this.renderWidth ?? SCREEN_W, this.renderHeight ?? SCREEN_H);
  }

  override renderInto(out: Uint8Array, width?: number, height?: number): Frame | null {
    if (this.scene !== MountainCarBaseEnv.prototype.scene) return super.renderInto(out, width, height);
    return renderMountainCar(this.position, this.goalPosition, width ?? this.renderWidth ?? SCREEN_W, height ?? this.renderHeight ?? SCREEN_H, out);
  }
}
