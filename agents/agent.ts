/** Options for choosing an action. */
export interface ActOptions {
  /** Explore (ε-greedy, sample the policy) when true; act greedily / take the mean when false. Default true. */
  explore?: boolean;
}

/**
 * What every agent offers, whatever its algorithm: choose an action, save and load itself.
 * Learning is fed by step streams (see each algorithm and `train`).
 */
export interface Agent<O = unknown, A = unknown> {
  /** The algorithm's name, e.g. 'dqn'. */
  readonly algo: string;
  act(observation: O, opts?: ActOptions): A;
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  /** Frees tensors and other resources. */
  dispose?(): void;
}

/** What an agent thinks about one observation, for the viewer and for explanations. */
export interface ActionExplanation<A = unknown> {
  /** The greedy (explore: false) action. */
  action: A;
  /** Q-values per action (value-based agents). */
  qValues?: Float32Array;
  /** Action probabilities (policy-based agents with a categorical policy). */
  probs?: Float32Array;
  /** State-value estimate V(s), when the agent has one. */
  value?: number;
}

/** Agents that can show what they think implement this too. */
export interface ExplainableAgent<O = unknown, A = unknown> extends Agent<O, A> {
  explain(observation: O): ActionExplanation<A>;
}

export function isExplainable<O, A>(agent: Agent<O, A>): agent is ExplainableAgent<O, A> {
  return typeof (agent as Partial<ExplainableAgent<O, A>>).explain === 'function';
}
