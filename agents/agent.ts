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
