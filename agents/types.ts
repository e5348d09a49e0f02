// The protocol between the training loop (agents/train.ts) and the learning agents: the loop steps the
// envs and hands every step to the agent's learner; the agent acts, learns, and saves its state.
import type { Space } from '../envs/spaces/space.js';
import type { ExplainableAgent } from './agent.js';

/** Scalar metrics an update reports (losses, mean Q, ε, …). */
export type Metrics = Record<string, number>;

/** An episode that ended during a step. */
export interface EpisodeEnd {
  /** Index of the training env it ran in. */
  env: number;
  /** Episode number within the run (all envs), from 0. */
  episode: number;
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
  /** Env steps of the run when it ended. */
  step: number;
}

/**
 * One step of all training envs: what the loop emits on `run.steps$` and feeds to the learner.
 * Arrays are indexed by env. Observations are the agent's inputs (after preprocessing), copied, so
 * subscribers may keep them.
 */
export interface TrainStep<O = unknown, A = unknown> {
  /** Env steps of the run so far, this step included (every env counts). */
  globalStep: number;
  numEnvs: number;
  observations: readonly O[];
  actions: readonly A[];
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** The observation each env returned: the final one when its episode ended in this step. */
  nextObservations: readonly O[];
  /** Episodes that ended in this step. */
  finished: readonly EpisodeEnd[];
}

/** The spaces an agent is built for. */
export interface EnvInfo {
  observationSpace: Space<unknown>;
  actionSpace: Space<unknown>;
  /** Env id, when known (recorded in saved agents). */
  id?: string;
}

/**
 * An agent the training loop can drive. `act` (from Agent) is for evaluation and play; training goes
 * through `trainAct` and `observe` so that on-policy agents can keep what they need (log-probs,
 * recurrent state) per training env.
 */
export interface TrainableAgent<O = unknown, A = unknown> extends ExplainableAgent<O, A> {
  /** The resolved configuration (JSON-serializable). */
  readonly config: object;
  /** How many envs the loop should run for this agent (A2C: its n envs; others 1). */
  readonly numEnvs: number;
  /** Actions (exploring) for the current observations of the training envs, one per env. */
  trainAct(observations: readonly O[]): A[];
  /** Learns from one step of the training envs; returns the metrics of updates made, or null. */
  observe(step: TrainStep<O, A>): Metrics | null;
  /** Whether everything the agent needs to continue is in `saveState` now (on-policy: between rollouts). */
  canCheckpoint(): boolean;
  /** Writes the whole training state (networks, optimizer, replay, RNG, counters) into `dir`. */
  saveState(dir: string): Promise<void>;
  /** Restores what `saveState` wrote. */
  loadState(dir: string): Promise<void>;
  /** Starts a new episode for `act` (clears recurrent state); `evaluate` calls it at every reset. */
  resetEpisode?(): void;
  /** Values worth logging between updates (ε, β, …). */
  status?(): Metrics;
}

export function isTrainableAgent(x: unknown): x is TrainableAgent {
  const a = x as Partial<TrainableAgent> | null;
  return !!a && typeof a.trainAct === 'function' && typeof a.observe === 'function' && typeof a.saveState === 'function';
}
