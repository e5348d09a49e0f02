import type { Env } from '../../core.js';
import { ClipReward } from './clipReward.js';
import { EpisodicLife } from './episodicLife.js';
import { FrameStack } from './frameStack.js';
import { GrayscaleObservation } from './grayscale.js';
import { MaxAndSkip } from './maxAndSkip.js';
import { NoopReset } from './noopReset.js';
import { ResizeObservation } from './resize.js';

export interface AtariPreprocessingOptions {
  /** Random no-ops after reset, up to this many; 0 disables. Default 30. */
  noopMax?: number;
  /** Action repeat with a max over the last two frames; 1 disables. Default 4. */
  frameSkip?: number;
  /** Output side (square) or [height, width]; default 84. */
  screenSize?: number | readonly [number, number];
  /** Default true. */
  grayscale?: boolean;
  /** End the agent's episode on each lost life (needs info.lives). Default false. */
  terminalOnLifeLoss?: boolean;
  /** Frames stacked along the channel axis; 1 disables. Default 4. */
  frameStack?: number;
  /** Rewards to their sign. Default false. */
  clipReward?: boolean;
}

/**
 * The usual Atari pipeline (Mnih et al., 2015; Machado et al., 2018) as one composition, innermost
 * first: NoopReset → MaxAndSkip → EpisodicLife → ClipReward → Grayscale → Resize (area) →
 * FrameStack. With the defaults a [210, 160, 3] game observes [84, 84, 4]. Grayscale goes before
 * the resize so the filter runs over one channel, not three. The base env should not skip frames itself.
 */
export function atariPreprocessing<A>(env: Env<Uint8Array, A>, opts: AtariPreprocessingOptions = {}): Env<Uint8Array, A> {
  const { noopMax = 30, frameSkip = 4, screenSize = 84, grayscale = true, terminalOnLifeLoss = false, frameStack = 4, clipReward = false } = opts;
  const shape: readonly [number, number] = typeof screenSize === 'number' ? [screenSize, screenSize] : screenSize;
  let e: Env<Uint8Array, A> = env;
  if (noopMax !== 0) e = new NoopReset(e, { noopMax });
  if (frameSkip !== 1) e = new MaxAndSkip(e, { skip: frameSkip });
  if (terminalOnLifeLoss) e = new EpisodicLife(e);
  if (clipReward) e = new ClipReward(e);
  if (grayscale) e = new GrayscaleObservation(e, { keepDim: true });
  e = new ResizeObservation(e, { shape, interpolation: 'area' });
  if (frameStack !== 1) e = new FrameStack(e, { stackSize: frameStack });
  return e;
}
