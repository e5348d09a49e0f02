// Registers this family's envs on import.
import { register } from '../registry.js';
import { CatchEnv } from './catch.js';
import { AsterixEnv } from './minatar/asterix.js';
import { BreakoutEnv } from './minatar/breakout.js';
import { FreewayEnv } from './minatar/freeway.js';
import { SeaquestEnv } from './minatar/seaquest.js';
import { SpaceInvadersEnv } from './minatar/spaceInvaders.js';
import { PongEnv } from './pong.js';

/**
 * MinAtar's own Gymnasium registration sets no episode limit. We cap Breakout, Asterix, Seaquest
 * and SpaceInvaders at 10,000 steps (a good agent can otherwise play forever); Freeway ends itself
 * after 2,501 frames, as in MinAtar, so it gets no TimeLimit.
 */
export const MINATAR_MAX_EPISODE_STEPS = 10_000;
/** Rallies between two good paddles can last forever; a game to 5 normally takes 200–2,000 steps. */
export const PONG_MAX_EPISODE_STEPS = 10_000;

register({ id: 'MinAtar/Breakout-v1', entryPoint: BreakoutEnv, maxEpisodeSteps: MINATAR_MAX_EPISODE_STEPS });
register({ id: 'MinAtar/Freeway-v1', entryPoint: FreewayEnv });
register({ id: 'MinAtar/Asterix-v1', entryPoint: AsterixEnv, maxEpisodeSteps: MINATAR_MAX_EPISODE_STEPS });
register({ id: 'MinAtar/Seaquest-v1', entryPoint: SeaquestEnv, maxEpisodeSteps: MINATAR_MAX_EPISODE_STEPS });
register({ id: 'MinAtar/SpaceInvaders-v1', entryPoint: SpaceInvadersEnv, maxEpisodeSteps: MINATAR_MAX_EPISODE_STEPS });
// bsuite's Catch always ends after 9 steps.
register({ id: 'Catch-v0', entryPoint: CatchEnv });
register({ id: 'Pong-v0', entryPoint: PongEnv, maxEpisodeSteps: PONG_MAX_EPISODE_STEPS });

export const GAME_IDS = [
  'MinAtar/Breakout-v1',
  'MinAtar/Freeway-v1',
  'MinAtar/Asterix-v1',
  'MinAtar/Seaquest-v1',
  'MinAtar/SpaceInvaders-v1',
  'Catch-v0',
  'Pong-v0',
] as const;
