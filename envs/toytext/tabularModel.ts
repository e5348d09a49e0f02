/** One outcome of taking an action in a state of a finite MDP. */
export interface Transition {
  readonly probability: number;
  readonly nextState: number;
  readonly reward: number;
  readonly terminated: boolean;
}

/**
 * A finite MDP with known dynamics, what value and policy iteration need. The toy-text envs
 * implement it, and their `step` samples from exactly these lists.
 */
export interface TabularModel {
  readonly numStates: number;
  readonly numActions: number;
  transitions(state: number, action: number): readonly Transition[];
}

/**
 * Sums the probabilities of identical outcomes (same next state, reward and termination), keeping
 * first-appearance order, so that e.g. a slip into a wall and a bump into it are one entry.
 */
export function mergeOutcomes(outcomes: readonly Transition[]): Transition[] {
  const merged: Transition[] = [];
  for (const o of outcomes) {
    if (o.probability <= 0) continue;
    const i = merged.findIndex((m) => m.nextState === o.nextState && m.reward === o.reward && m.terminated === o.terminated);
    if (i < 0) merged.push({ ...o });
    else merged[i] = { ...merged[i]!, probability: merged[i]!.probability + o.probability };
  }
  return merged;
}
