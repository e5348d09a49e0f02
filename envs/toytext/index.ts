export { type Transition, type TabularModel, mergeOutcomes } from './tabularModel.js';
export { TabularEnv, type TabularMdp } from './tabularEnv.js';
export { type GridCell } from './grid.js';
export { GRID_CELL_COLORS, GRID_AGENT_COLOR, GRID_CELL_SIZE, type GridCellKind } from './gridScene.js';
export {
  FrozenLakeEnv,
  FrozenLakeAction,
  FROZEN_LAKE_MAPS,
  frozenLakeMdp,
  generateRandomMap,
  hasPathToGoal,
  checkFrozenLakeMap,
  type FrozenLakeOptions,
  type FrozenLakeMapName,
} from './frozenLake.js';
export { CliffWalkingEnv, CliffWalkingAction, cliffWalkingMdp, type CliffWalkingOptions } from './cliffWalking.js';
export {
  GridWorldEnv,
  GridWorldAction,
  DEFAULT_GRID_WORLD,
  gridWorldMdp,
  gridWorldKinds,
  resolveGridWorld,
  type GridWorldOptions,
  type GridWorldLayout,
  type RewardCell,
} from './gridWorld.js';
