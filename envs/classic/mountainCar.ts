/**
 * MountainCar, after Gymnasium's MountainCar-v0 (Moore's mountain car): an under-powered car in
 * a valley must rock itself up to the flag at position 0.5. Actions push left / nothing / right
 * (a force of (action − 1)·0.001); reward −1 a step. Observation [position, velocity] as float32;
 * dynamics in float64. The track and the picture are in mountainCarBase.ts.
 */
import type { StepResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import { Discrete } from '../spaces/discrete.js';
import { checkDiscreteAction } from './common.js';
import { MountainCarBaseEnv } from './mountainCarBase.js';

export { MOUNTAINCAR_MAX_SPEED } from './mountainCarBase.js';

const FORCE = 0.001;

export interface MountainCarKwargs {
  /** Gymnasium's `goal_velocity`: the episode ends at the flag only when moving at least this fast. */
  goalVelocity?: number;
  renderWidth?: number;
  renderHeight?: number;
}

export class MountainCarEnv extends MountainCarBaseEnv<number> {
  readonly actionSpace = new Discrete(3);

  constructor(kwargs?: EnvKwargs & MountainCarKwargs) {
    super('MountainCar', 0.5, kwargs);
  }

  step(action: number): StepResult<Float32Array> {
    this.requireReset();
    checkDiscreteAction(this.envName, action, 3);
    const terminated = this.drive((action - 1) * FORCE);
    return { observation: this.observe(), reward: -1, terminated, truncated: false, info: {} };
  }

  keysToAction(): Record<string, number> {
    return { '': 1, ArrowLeft: 0, ArrowRight: 2, 'ArrowLeft+ArrowRight': 1 };
  }
}
