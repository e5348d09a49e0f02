import { BaseEnv, type ResetOptions, type ResetResult, type StepResult } from '../core.js';
import { Discrete } from '../spaces/discrete.js';
import type { Rng } from '../rng.js';
import type { TabularModel, Transition } from './tabularModel.js';

/** A finite MDP written out in full: what a `TabularEnv` is built from. */
export interface TabularMdp {
  readonly numStates: number;
  readonly numActions: number;
  /** Outcome lists, indexed `state * numActions + action`; each list's probabilities sum to 1. */
  readonly table: readonly (readonly Transition[])[];
  /** Probability of starting in each state. */
  readonly initialDistribution: ArrayLike<number>;
}

const SUM_TOLERANCE = 1e-9;

/** Index drawn from a list of probabilities with one uniform draw (Gymnasium's `categorical_sample`). */
function sampleIndex(probs: ArrayLike<number>, rng: Rng): number {
  const u = rng.random();
  let cum = 0;
  for (let i = 0; i < probs.length; i++) {
    cum += probs[i]!;
    if (cum > u) return i;
  }
  // Rounding can leave the total a hair under 1: fall back to the last outcome with mass.
  for (let i = probs.length - 1; i > 0; i--) if (probs[i]! > 0) return i;
  return 0;
}

/**
 * A Discrete-state, Discrete-action env driven by its own model: `step` samples the next state from
 * `transitions(state, action)` with `this.rng`, so the model agents plan with and the behaviour
 * they experience are the same table.
 */
export abstract class TabularEnv extends BaseEnv<number, number> implements TabularModel {
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
  readonly numStates: number;
  readonly numActions: number;
  override metadata = { renderFps: 4, renderModes: ['rgb_array'] };
  private readonly table: readonly (readonly Transition[])[];
  private readonly outcomeProbs: readonly Float64Array[];
  private readonly initial: Float64Array;
  private current = -1;
  /** The last action taken this episode, or null right after reset. */
  protected lastAction: number | null = null;

  constructor(mdp: TabularMdp) {
    super();
    const { numStates, numActions } = mdp;
    if (!Number.isInteger(numStates) || numStates <= 0 || !Number.isInteger(numActions) || numActions <= 0)
      throw new RangeError(`TabularEnv: numStates and numActions must be positive integers, got ${numStates} and ${numActions}`);
    if (mdp.table.length !== numStates * numActions)
      throw new RangeError(`TabularEnv: table has ${mdp.table.length} entries, expected ${numStates * numActions}`);
    if (mdp.initialDistribution.length !== numStates)
      throw new RangeError(`TabularEnv: initial distribution has ${mdp.initialDistribution.length} entries, expected ${numStates}`);
    this.table = mdp.table.map((list, i) => {
      let sum = 0;
      for (const t of list) {
        if (!Number.isInteger(t.nextState) || t.nextState < 0 || t.nextState >= numStates)
          throw new RangeError(`TabularEnv: entry ${i} leads to state ${t.nextState}, outside [0, ${numStates})`);
        if (!(t.probability > 0) || !Number.isFinite(t.reward)) throw new RangeError(`TabularEnv: entry ${i} has a bad probability or reward`);
        sum += t.probability;
      }
      if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new RangeError(`TabularEnv: probabilities of entry ${i} sum to ${sum}, not 1`);
      // Frozen: callers get the table itself, and must not be able to change the dynamics.
      return Object.freeze(list.map((t) => Object.freeze({ ...t })));
    });
    this.outcomeProbs = this.table.map((list) => Float64Array.from(list, (t) => t.probability));
    this.initial = Float64Array.from(mdp.initialDistribution);
    let total = 0;
    for (const p of this.initial) total += p;
    if (Math.abs(total - 1) > SUM_TOLERANCE) throw new RangeError(`TabularEnv: initial distribution sums to ${total}, not 1`);
    this.numStates = numStates;
    this.numActions = numActions;
    this.observationSpace = new Discrete(numStates);
    this.actionSpace = new Discrete(numActions);
  }

  /** The current state, or −1 before the first reset. */
  get state(): number {
    return this.current;
  }

  transitions(state: number, action: number): readonly Transition[] {
    if (!Number.isInteger(state) || state < 0 || state >= this.numStates)
      throw new RangeError(`transitions: state ${String(state)} outside [0, ${this.numStates})`);
    this.checkAction(action, 'transitions');
    return this.table[state * this.numActions + action]!;
  }

  reset(opts?: ResetOptions): ResetResult<number> {
    this.reseed(opts);
    this.current = sampleIndex(this.initial, this.rng);
    this.lastAction = null;
    return { observation: this.current, info: { prob: 1 } };
  }

  step(action: number): StepResult<number> {
    if (this.current < 0) throw new Error(`${this.constructor.name}: step() called before reset()`);
    this.checkAction(action, 'step');
    const k = this.current * this.numActions + action;
    const outcome = this.table[k]![sampleIndex(this.outcomeProbs[k]!, this.rng)]!;
    this.current = outcome.nextState;
    this.lastAction = action;
    return {
      observation: outcome.nextState,
      reward: outcome.reward,
      terminated: outcome.terminated,
      truncated: false,
      info: { prob: outcome.probability },
    };
  }

  private checkAction(action: number, where: string): void {
    if (!Number.isInteger(action) || action < 0 || action >= this.numActions)
      throw new RangeError(`${this.constructor.name}.${where}: action ${String(action)} outside [0, ${this.numActions})`);
  }
}
