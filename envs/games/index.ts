// Pixel games: MinAtar's five games, bsuite's Catch and a small Pong.
export { CellSceneBuilder, type CellPalette } from './cellScene.js';
// Prefixed on the way out: the envs barrel re-exports every family, and LEFT / UP are common names.
export {
  NOOP as MINATAR_NOOP,
  LEFT as MINATAR_LEFT,
  UP as MINATAR_UP,
  RIGHT as MINATAR_RIGHT,
  DOWN as MINATAR_DOWN,
  FIRE as MINATAR_FIRE,
  GRID as MINATAR_GRID,
  MINATAR_ACTION_NAMES,
  MINATAR_ACTION_KEYS,
  type MinAtarAction,
  type MinAtarGame,
} from './minatar/game.js';
export { MinAtarEnv, type MinAtarKwargs, type MinAtarObsType } from './minatar/env.js';
export { EntityList } from './minatar/entityList.js';
export {
  BreakoutEnv,
  BreakoutGame,
  UP_LEFT as BREAKOUT_UP_LEFT,
  UP_RIGHT as BREAKOUT_UP_RIGHT,
  DOWN_RIGHT as BREAKOUT_DOWN_RIGHT,
  DOWN_LEFT as BREAKOUT_DOWN_LEFT,
  type BallDir,
} from './minatar/breakout.js';
export { FreewayEnv, FreewayGame, FREEWAY_PLAYER_SPEED, FREEWAY_TIME_LIMIT, CHICKEN_X, CAR_COUNT } from './minatar/freeway.js';
export { AsterixEnv, AsterixGame, ASTERIX_RAMP_INTERVAL, ASTERIX_SLOTS } from './minatar/asterix.js';
export { SeaquestEnv, SeaquestGame, SEAQUEST_MAX_OXYGEN, SEAQUEST_MAX_DIVERS } from './minatar/seaquest.js';
export { SpaceInvadersEnv, SpaceInvadersGame, INVADERS_INIT_MOVE_INTERVAL } from './minatar/spaceInvaders.js';
export { CatchEnv, CATCH_ROWS, CATCH_COLUMNS, CATCH_LEFT, CATCH_STAY, CATCH_RIGHT, type CatchKwargs, type CatchObsType } from './catch.js';
export { PongEnv, PONG_COURT, PONG_NOOP, PONG_UP, PONG_DOWN, type PongKwargs, type PongObsType } from './pong.js';
export { MINATAR_MAX_EPISODE_STEPS, PONG_MAX_EPISODE_STEPS, GAME_IDS } from './register.js';
