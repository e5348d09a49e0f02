/**
 * MountainCarContinuous, after Gymnasium's MountainCarContinuous-v0: the mountain car with a
 * continuous push in [−1, 1] (a force of 0.0015·push), a flag at 0.45, reward +100 on reaching it
 * minus 0.1·action² a step. As in Gymnasium the state is stored as float32 after every step. The
 * track and the picture are in mountainCarBase.ts.
 */
import type { StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import { clamp, float32Box, scalarAction, type Float32Box } from './common.js';
import { MountainCarBaseEnv } from './mountainCarBase.js';

const POWER = 0.0015;
const MIN_ACTION = -1;
const MAX_ACTION = 1;

export interface MountainCarContinuousKwargs {
  goalVelocity?: number;
  renderWidth?: number;
  renderHeight?: number;
}

export class MountainCarContinuousEnv extends MountainCarBaseEnv<ArrayLike<number>> {
  readonly actionSpace: Float32Box = float32Box(MIN_ACTION, MAX_ACTION, [1]);

  constructor(kwargs?: EnvKwargs & MountainCarContinuousKwargs) {
    super('MountainCarContinuous', 0.45, kwargs);
  }

  step(action: ArrayLike<number>): StepResult<Float32Array> {
    this.requireReset();
    const a = scalarAction(this.envName, action);
    const terminated = this.drive(clamp(a, MIN_ACTION, MAX_ACTION) * POWER);
    this.position = Math.fround(this.position);
    this.velocity = Math.fround(this.velocity);
    // Gymnasium charges for the action as given, not the clipped force.
    const reward = (terminated ? 100 : 0) - a * a * 0.1;
    return { observation: this.observe(), reward, terminated, truncated: false, info: {} };
  }

  keysToAction(): Record<string, ArrayLike<number>> {
    return { '': Float32Array.of(0), ArrowLeft: Float32Array.of(-1), ArrowRight: Float32Array.of(1), 'ArrowLeft+ArrowRight': Float32Array.of(0) };
  }
}
