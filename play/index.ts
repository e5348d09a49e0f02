// `pixelgym/play`: the viewer server (watch, play, attach to training), its wire protocol, and
// demonstration files.
export * from './server/index.js';
export {
  DemonstrationRecorder,
  DemonstrationFileError,
  saveDemonstrations,
  loadDemonstrations,
  encodeDemonstrations,
  decodeDemonstrations,
  arraySpecOf,
  DEMO_MAGIC,
  DEMO_VERSION,
  type ArraySpec,
  type DemoArray,
  type DemoDType,
  type DemoEpisode,
  type Demonstrations,
  type RecorderOptions,
} from './demos.js';
// `pixelgym watch` as a function (with `explain` for live overlays), and the agent's
// observation → action-score network that the explanations read.
export { startWatch, type WatchCommandOptions } from './commands/watch.js';
export { agentModel } from './commands/explain.js';
