// Named presets: a config for an algorithm plus the training-run settings its task needs.

/** Settings of a training run that a preset may carry (its step budget, evaluation schedule…). */
export interface TrainSettings {
  /** Env steps to train for. */
  totalSteps: number;
  /** Env steps between evaluations; 0 = none during training. */
  evalEvery: number;
  evalEpisodes: number;
  /** Env steps between checkpoints (taken at the next point the agent allows); 0 = none. */
  checkpointEvery: number;
  /** Stop once an evaluation's mean return reaches this; null = never. */
  stopAtReturn: number | null;
}

export const defaultTrainSettings: TrainSettings = {
  totalSteps: 100_000,
  evalEvery: 10_000,
  evalEpisodes: 10,
  checkpointEvery: 0,
  stopAtReturn: null,
};

export interface Preset<C> {
  /** One line for `--help` and listings. */
  description: string;
  /** The env it is tuned for. */
  env?: string;
  /** Kwargs for that env (e.g. obsType 'rgb'). */
  envKwargs?: Record<string, unknown>;
  config: Partial<C>;
  train: Partial<TrainSettings>;
}
