// Observation preprocessing an agent's config asks for, applied as env wrappers (the same for the
// training, evaluation and GIF envs, so the agent always sees what it was trained on).
import type { Env } from '../envs/core.js';
import { ClipReward } from '../envs/wrappers/image/clipReward.js';
import { FrameStack } from '../envs/wrappers/image/frameStack.js';
import { GrayscaleObservation } from '../envs/wrappers/image/grayscale.js';
import { MaxAndSkip } from '../envs/wrappers/image/maxAndSkip.js';
import { ResizeObservation } from '../envs/wrappers/image/resize.js';

export interface PreprocessSpec {
  /** RGB → one luma channel, keeping [H, W, 1]. */
  grayscale: boolean;
  /** Resize frames to [height, width] (area interpolation); null keeps the size. */
  resize: [number, number] | null;
  /** Repeat each action this many frames, max-pooling the last two (Atari's frame skip); 1 = off. */
  frameSkip: number;
  /** Stack this many frames on the channel axis; 1 = off. */
  frameStack: number;
  /** Clip rewards to [-1, 1] (DQN's Atari setting). */
  clipReward: boolean;
}

export const noPreprocess: PreprocessSpec = { grayscale: false, resize: null, frameSkip: 1, frameStack: 1, clipReward: false };

function isImageSpace(env: Env): boolean {
  const j = env.observationSpace.toJSON();
  return j.type === 'Box' && j.dtype === 'uint8' && (j.shape.length === 3 || j.shape.length === 2);
}

/** Wraps `env` as `spec` says; image steps need uint8 image observations. */
export function applyPreprocess(env: Env, spec: PreprocessSpec = noPreprocess): Env {
  const p = { ...noPreprocess, ...spec };
  let e: Env = env;
  const needsImage = p.grayscale || p.resize !== null || p.frameStack > 1;
  if (needsImage && !isImageSpace(env)) {
    throw new Error(`preprocess: grayscale/resize/frameStack need uint8 image observations, got ${String(env.observationSpace)}`);
  }
  if (p.frameSkip > 1) e = new MaxAndSkip(e as Env<Uint8Array, unknown>, { skip: p.frameSkip }) as unknown as Env;
  if (p.clipReward) e = new ClipReward(e, { min: -1, max: 1 }) as Env;
  if (p.grayscale) e = new GrayscaleObservation(e as Env<Uint8Array, unknown>, { keepDim: true }) as Env;
  if (p.resize !== null) e = new ResizeObservation(e as Env<Uint8Array, unknown>, { shape: p.resize }) as Env;
  if (p.frameStack > 1) e = new FrameStack(e as Env<Uint8Array, unknown>, { stackSize: p.frameStack }) as Env;
  return e;
}
