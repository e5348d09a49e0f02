// Tabular Q-learning (Watkins 1989; Sutton & Barto 2018, §6.5): off-policy TD control,
// Q(s,a) ← Q(s,a) + α (r + γ max_a' Q(s',a') [not terminated] − Q(s,a)), acting ε-greedily.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../envs/atomicWrite.js';
import type { Env } from '../../envs/core.js';
import { Discrete } from '../../envs/spaces/discrete.js';
import { Rng } from '../../envs/rng.js';
import type { ActOptions, Agent } from '../agent.js';

export interface QLearningConfig {
  /** Step size α. */
  learningRate: number;
  gamma: number;
  /** ε decays linearly from epsilonStart to epsilonEnd over explorationSteps env steps. */
  epsilonStart: number;
  epsilonEnd: number;
  explorationSteps: number;
  /** Initial Q value for every pair (optimism drives exploration). */
  initialQ: number;
  seed: number;
}

/** Sutton & Barto's Example 6.6 (cliff walking) uses α = 0.5, ε = 0.1, γ = 1; these defaults are gentler. */
export const qLearningDefaults: QLearningConfig = {
  learningRate: 0.1,
  gamma: 0.99,
  epsilonStart: 1.0,
  epsilonEnd: 0.05,
  explorationSteps: 10_000,
  initialQ: 0,
  seed: 0,
};

export const qLearningPresets = {
  /** Sutton & Barto 2018, Example 6.6: α 0.5, ε 0.1 constant, γ 1. */
  cliffWalking: { learningRate: 0.5, gamma: 1, epsilonStart: 0.1, epsilonEnd: 0.1, explorationSteps: 1 },
  frozenLake: { learningRate: 0.1, gamma: 0.99, epsilonStart: 1, epsilonEnd: 0.05, explorationSteps: 50_000 },
} satisfies Record<string, Partial<QLearningConfig>>;

export class QLearningAgent implements Agent<number, number> {
  readonly algo = 'qlearning';
  readonly config: QLearningConfig;
  readonly q: Float64Array;
  steps = 0;
  private readonly rng: Rng;

  constructor(
    readonly numStates: number,
    readonly numActions: number,
    config: Partial<QLearningConfig> = {},
  ) {
    if (!Number.isInteger(numStates) || numStates <= 0 || !Number.isInteger(numActions) || numActions <= 0)
      throw new RangeError(`QLearningAgent: numStates and numActions must be positive integers`);
    this.config = { ...qLearningDefaults, ...config };
    this.q = new Float64Array(numStates * numActions).fill(this.config.initialQ);
    this.rng = new Rng(this.config.seed);
  }

  /** Builds an agent sized for an env with Discrete observation and action spaces. */
  static forEnv(env: Env, config: Partial<QLearningConfig> = {}): QLearningAgent {
    const os = env.observationSpace;
    const as = env.actionSpace;
    if (!(os instanceof Discrete) || !(as instanceof Discrete))
      throw new TypeError(`Q-learning needs Discrete observation and action spaces, got ${String(os)} and ${String(as)}`);
    return new QLearningAgent(os.n, as.n, config);
  }

  get epsilon(): number {
    const { epsilonStart, epsilonEnd, explorationSteps } = this.config;
    const frac = Math.min(1, this.steps / Math.max(1, explorationSteps));
    return epsilonStart + frac * (epsilonEnd - epsilonStart);
  }

  greedy(state: number): number {
    const base = state * this.numActions;
    let best = 0;
    for (let a = 1; a < this.numActions; a++) if (this.q[base + a]! > this.q[base + best]!) best = a;
    return best;
  }

  act(state: number, opts: ActOptions = {}): number {
    this.checkState(state);
    if (opts.explore !== false && this.rng.random() < this.epsilon) return this.rng.int(this.numActions);
    return this.greedy(state);
  }

  /** One TD update; returns the TD error. */
  update(state: number, action: number, reward: number, nextState: number, terminated: boolean): number {
    this.checkState(state);
    this.checkState(nextState);
    if (!Number.isInteger(action) || action < 0 || action >= this.numActions) throw new RangeError(`action ${action} outside [0, ${this.numActions})`);
    if (!Number.isFinite(reward)) throw new RangeError(`reward must be finite, got ${reward}`);
    const i = state * this.numActions + action;
    const target = reward + (terminated ? 0 : this.config.gamma * this.q[nextState * this.numActions + this.greedy(nextState)]!);
    const td = target - this.q[i]!;
    this.q[i] = this.q[i]! + this.config.learningRate * td;
    this.steps++;
    return td;
  }

  /** Runs `totalSteps` env steps of Q-learning; returns per-episode returns. */
  learn(env: Env<number, number>, totalSteps: number, seed: number = this.config.seed): number[] {
    const returns: number[] = [];
    let { observation: s } = env.reset({ seed });
    let ret = 0;
    for (let t = 0; t < totalSteps; t++) {
      const a = this.act(s);
      const r = env.step(a);
      this.update(s, a, r.reward, r.observation, r.terminated);
      ret += r.reward;
      s = r.observation;
      if (r.terminated || r.truncated) {
        returns.push(ret);
        ret = 0;
        s = env.reset().observation;
      }
    }
    return returns;
  }

  /** The greedy policy as a table. */
  policy(): Int32Array {
    const pi = new Int32Array(this.numStates);
    for (let s = 0; s < this.numStates; s++) pi[s] = this.greedy(s);
    return pi;
  }

  async save(dir: string): Promise<void> {
    const body = { algo: this.algo, numStates: this.numStates, numActions: this.numActions, config: this.config, steps: this.steps, rng: this.rng.getState(), q: Array.from(this.q) };
    writeFileAtomic(join(dir, 'qtable.json'), JSON.stringify(body));
  }

  async load(dir: string): Promise<void> {
    let body: { algo?: unknown; numStates?: unknown; numActions?: unknown; q?: unknown; steps?: unknown; rng?: unknown };
    try {
      body = JSON.parse(readFileSync(join(dir, 'qtable.json'), 'utf8')) as typeof body;
    } catch (err) {
      throw new Error(`cannot load Q-table from ${dir}: ${(err as Error).message}`);
    }
    if (body.algo !== this.algo || body.numStates !== this.numStates || body.numActions !== this.numActions)
      throw new Error(`Q-table in ${dir} is for ${String(body.numStates)}×${String(body.numActions)}, this agent is ${this.numStates}×${this.numActions}`);
    const q = body.q;
    if (!Array.isArray(q) || q.length !== this.q.length || !q.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new Error(`Q-table in ${dir} is corrupt`);
    this.q.set(q as number[]);
    this.steps = typeof body.steps === 'number' ? body.steps : 0;
    if (body.rng) this.rng.setState(body.rng as ReturnType<Rng['getState']>);
  }

  private checkState(s: number): void {
    if (!Number.isInteger(s) || s < 0 || s >= this.numStates) throw new RangeError(`state ${s} outside [0, ${this.numStates})`);
  }
}
