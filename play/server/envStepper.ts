import type { Env } from '../../envs/core.js';
import { rolloutStep } from '../../envs/streams/rolloutStep.js';
import type { Snapshot } from './snapshot.js';

/**
 * Chooses the next action for an observation, or null to take no step now (play mode with no key
 * held on an env that binds no idle action).
 */
export type ActionChooser<O, A> = (observation: O) => A | null;

/**
 * One env driven one step at a time by the server's loop (watch and play modes): resets with the
 * seed on the first episode (later resets continue its random stream, Gymnasium's rule) and after
 * every episode end, and reports each state as a Snapshot.
 */
export class EnvStepper<O, A> {
  private observation: O | undefined = undefined;
  private needsReset = true;
  private seeded = false;
  private episode = -1;
  private t = 0;
  private globalStep = 0;
  private ret = 0;

  constructor(
    private readonly env: Env<O, A>,
    private readonly choose: ActionChooser<O, A>,
    private readonly seed: number | undefined,
  ) {}

  /** Resets the env and returns the state after the reset. */
  reset(): Snapshot<O, A> {
    const seed = this.seeded ? undefined : this.seed;
    this.seeded = true;
    this.observation = this.env.reset(seed === undefined ? undefined : { seed }).observation;
    this.needsReset = false;
    this.episode++;
    this.t = 0;
    this.ret = 0;
    return { step: null, observation: this.observation, episode: this.episode, t: 0, globalStep: this.globalStep, episodeReturn: 0 };
  }

  /**
   * The state after the next step; after an episode end, the state after the reset instead. Null
   * when the chooser declines to act.
   */
  next(): Snapshot<O, A> | null {
    if (this.needsReset) return this.reset();
    const observation = this.observation as O;
    const action = this.choose(observation);
    if (action === null) return null;
    const r = this.env.step(action);
    const step = rolloutStep(observation, action, r, { episode: this.episode, t: this.t, globalStep: this.globalStep });
    this.observation = r.observation;
    this.t++;
    this.globalStep++;
    this.ret += r.reward;
    if (step.done) this.needsReset = true;
    return { step, observation: r.observation, episode: this.episode, t: this.t, globalStep: this.globalStep, episodeReturn: this.ret };
  }
}
