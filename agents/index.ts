export * from './agent.js';
export * from './tabular/index.js';
export * from './types.js';
export { NonFiniteError, applyOverrides, mergeConfig, observationInfo, actionInfo, singleEnvStep, type ObsInfo, type ActionInfo } from './common.js';
export type { NetworkSpec, NetworkType } from './networks.js';
export { applyPreprocess, noPreprocess, type PreprocessSpec } from './preprocess.js';
export { defaultTrainSettings, type Preset, type TrainSettings } from './presets.js';
export { DqnAgent, dqnDefaults, dqnPresets, resolveDqnConfig, type DqnConfig } from './dqn.js';
export { ReinforceAgent, reinforceDefaults, reinforcePresets, resolveReinforceConfig, type ReinforceConfig } from './reinforce.js';
export { A2cAgent, a2cDefaults, a2cPresets, resolveA2cConfig, type A2cConfig } from './a2c.js';
export { PolicyNet, type PolicyNetConfig, type RecurrentSpec } from './policy.js';
export { TabularQAgent, tabularQDefaults, tabularQPresets, type TabularQConfig } from './qlearning.js';
export { registerAlgorithm, algorithmNames, getAlgorithm, getPreset, loadAgent, type AlgorithmEntry } from './registry.js';
export { evaluate, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
export {
  CheckpointError,
  latestCheckpoint,
  verifyCheckpoint,
  writeCheckpoint,
  getEnvRngStates,
  setEnvRngStates,
  type CheckpointInfo,
  type EnvReplay,
} from './checkpoint.js';
export { curveScene, renderCurve, writeCurvePng, encodePng, type CurveData } from './curve.js';
export {
  train,
  createRun,
  resumeTraining,
  createResumedRun,
  readRunConfig,
  readCurveData,
  readJsonl,
  recordEpisodeGif,
  learn,
  finishedEpisodes,
  due,
  TrainingRun,
  TrainingError,
  type TrainOptions,
  type TrainResult,
  type ResumeOptions,
  type MetricsRecord,
  type EvalRecord,
  type EnvSource,
  type RunConfigFile,
} from './train.js';
