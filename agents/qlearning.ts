// Tabular Q-learning (agents/tabular/qLearning.ts) behind the training loop's agent protocol, so
// `pixelgym train qlearning --env FrozenLake-v1` works like the deep agents.
import { join } from 'node:path';
import type { ActionExplanation, ActOptions } from './agent.js';
import { restoreAgent, writeAgentFile } from './agentFile.js';
import { assertFinite } from './common.js';
import type { Preset } from './presets.js';
import { QLearningAgent, qLearningDefaults, qLearningPresets, type QLearningConfig } from './tabular/qLearning.js';
import type { EnvInfo, Metrics, TrainStep, TrainableAgent } from './types.js';

export type TabularQConfig = Omit<QLearningConfig, 'seed'>;

export const tabularQDefaults: TabularQConfig = (({ seed: _seed, ...rest }) => rest)(qLearningDefaults);

export const tabularQPresets: Record<string, Preset<TabularQConfig>> = {
  /** Sutton & Barto 2018, Example 6.6: α 0.5, ε 0.1, γ 1. */
  cliffwalking: {
    description: 'Q-learning on CliffWalking (Sutton & Barto, Example 6.6)',
    env: 'CliffWalking-v0',
    config: qLearningPresets.cliffWalking,
    train: { totalSteps: 50_000, evalEvery: 5000, evalEpisodes: 1, checkpointEvery: 0, stopAtReturn: null },
  },
  frozenlake: {
    description: 'Q-learning on slippery FrozenLake 4×4',
    env: 'FrozenLake-v1',
    config: qLearningPresets.frozenLake,
    train: { totalSteps: 200_000, evalEvery: 20_000, evalEpisodes: 100, checkpointEvery: 0, stopAtReturn: null },
  },
};

export class TabularQAgent implements TrainableAgent<number, number> {
  readonly algo = 'qlearning';
  readonly numEnvs = 1;
  readonly inner: QLearningAgent;
  readonly config: TabularQConfig;

  constructor(
    readonly env: EnvInfo,
    config: Partial<TabularQConfig> = {},
    seed = 0,
  ) {
    const os = env.observationSpace.toJSON();
    const as = env.actionSpace.toJSON();
    if (os.type !== 'Discrete' || as.type !== 'Discrete' || (os.start ?? 0) !== 0 || (as.start ?? 0) !== 0)
      throw new TypeError(`qlearning needs Discrete observation and action spaces starting at 0, got ${String(env.observationSpace)} and ${String(env.actionSpace)}`);
    this.config = { ...tabularQDefaults, ...config };
    this.inner = new QLearningAgent(os.n, as.n, { ...this.config, seed });
  }

  act(observation: number, opts: ActOptions = {}): number {
    return this.inner.act(observation, opts);
  }

  explain(observation: number): ActionExplanation<number> {
    const n = this.inner.numActions;
    return { action: this.inner.greedy(observation), qValues: Float32Array.from(this.inner.q.subarray(observation * n, (observation + 1) * n)) };
  }

  trainAct(observations: readonly number[]): number[] {
    return [this.inner.act(observations[0]!, { explore: true })];
  }

  observe(step: TrainStep<number, number>): Metrics | null {
    assertFinite([step.rewards[0]!], `qlearning: reward at env step ${step.globalStep}`);
    const td = this.inner.update(step.observations[0]!, step.actions[0]!, step.rewards[0]!, step.nextObservations[0]!, step.terminated[0] === 1);
    return { tdError: Math.abs(td) };
  }

  status(): Metrics {
    return { epsilon: this.inner.epsilon };
  }

  canCheckpoint(): boolean {
    return true;
  }

  async save(dir: string): Promise<void> {
    await this.inner.save(dir);
    writeAgentFile(dir, this.algo, this.config, this.env);
  }

  async load(dir: string): Promise<void> {
    await this.inner.load(dir);
  }

  static fromSaved(dir: string): Promise<TabularQAgent> {
    return restoreAgent<TabularQConfig, TabularQAgent>(dir, 'qlearning', (env, config) => new TabularQAgent(env, config));
  }

  async saveState(dir: string): Promise<void> {
    await this.save(join(dir));
  }

  async loadState(dir: string): Promise<void> {
    await this.load(dir);
  }
}
