// The algorithm registry: name → defaults, presets, constructor and loader. The CLI and `train()`
// find algorithms here; `registerAlgorithm` adds a user's own.
import { A2cAgent, a2cDefaults, a2cPresets } from './a2c.js';
import { readAgentFile } from './agentFile.js';
import { DqnAgent, dqnDefaults, dqnPresets } from './dqn.js';
import type { Preset } from './presets.js';
import { TabularQAgent, tabularQDefaults, tabularQPresets } from './qlearning.js';
import { ReinforceAgent, reinforceDefaults, reinforcePresets } from './reinforce.js';
import type { EnvInfo, TrainableAgent } from './types.js';

export interface AlgorithmEntry<C extends object = object> {
  name: string;
  description: string;
  /** Every config key with its default. */
  defaults: C;
  presets: Record<string, Preset<C>>;
  create(env: EnvInfo, config: Partial<C>, seed: number): TrainableAgent;
  /** Loads an agent saved with `agent.save(dir)`. */
  load(dir: string): Promise<TrainableAgent>;
}

const algorithms = new Map<string, AlgorithmEntry>();

export function registerAlgorithm<C extends object>(entry: AlgorithmEntry<C>): void {
  if (!entry || typeof entry.name !== 'string' || entry.name.length === 0) throw new TypeError('registerAlgorithm: entry needs a name');
  algorithms.set(entry.name, entry as unknown as AlgorithmEntry);
}

export function algorithmNames(): string[] {
  return [...algorithms.keys()].sort();
}

export function getAlgorithm(name: string): AlgorithmEntry {
  const entry = algorithms.get(name);
  if (!entry) throw new Error(`unknown algorithm '${name}'; known: ${algorithmNames().join(', ')}`);
  return entry;
}

/** A preset by name: 'cartpole' or 'dqn.cartpole' for dqn. */
export function getPreset(algo: string, name: string): Preset<object> {
  const entry = getAlgorithm(algo);
  const key = name.startsWith(`${algo}.`) ? name.slice(algo.length + 1) : name;
  const preset = entry.presets[key];
  if (!preset) {
    const known = Object.keys(entry.presets);
    throw new Error(`unknown preset '${name}' for ${algo}; known: ${known.length ? known.map((k) => `${algo}.${k}`).join(', ') : '(none)'}`);
  }
  return preset;
}

/** Loads any saved agent: agent.json names its algorithm. */
export async function loadAgent(dir: string): Promise<TrainableAgent> {
  const file = readAgentFile(dir);
  return getAlgorithm(file.algo).load(dir);
}

/** A built-in agent class: constructed from a config, loaded by its static `fromSaved`. */
interface AgentClass<C extends object> {
  new (env: EnvInfo, config: Partial<C>, seed: number): TrainableAgent;
  fromSaved(dir: string): Promise<TrainableAgent>;
}

function registerAgentClass<C extends object>(name: string, description: string, defaults: C, presets: Record<string, Preset<C>>, cls: AgentClass<C>): void {
  registerAlgorithm({ name, description, defaults, presets, create: (env, config, seed) => new cls(env, config, seed), load: (dir) => cls.fromSaved(dir) });
}

registerAgentClass('dqn', 'Deep Q-network (double, dueling, n-step, prioritized replay options)', dqnDefaults, dqnPresets, DqnAgent);
registerAgentClass('reinforce', 'REINFORCE with reward-to-go, a learned baseline, advantage normalization, entropy bonus', reinforceDefaults, reinforcePresets, ReinforceAgent);
registerAgentClass('a2c', 'Synchronous advantage actor-critic (n envs, GAE or n-step, categorical or Gaussian)', a2cDefaults, a2cPresets, A2cAgent);
registerAgentClass('qlearning', 'Tabular Q-learning (Discrete observations)', tabularQDefaults, tabularQPresets, TabularQAgent);
