import type { TabularModel } from '../../envs/toytext/tabularModel.js';

export type { TabularModel, Transition } from '../../envs/toytext/tabularModel.js';

/** Checks that an object is a usable model, with a readable error when it is not. */
export function assertTabularModel(m: unknown): asserts m is TabularModel {
  const o = m as Partial<TabularModel> | null;
  if (!o || typeof o.transitions !== 'function' || !Number.isInteger(o.numStates) || !Number.isInteger(o.numActions)) {
    throw new TypeError('expected a tabular model: an object with numStates, numActions and transitions(state, action)');
  }
}

/** Q(s, a) = Σ p · (r + γ · V(s') · [not terminated]) for one state-action pair. */
export function actionValue(model: TabularModel, v: Float64Array, s: number, a: number, gamma: number): number {
  let q = 0;
  for (const t of model.transitions(s, a)) q += t.probability * (t.reward + (t.terminated ? 0 : gamma * v[t.nextState]!));
  return q;
}

/** The greedy policy with respect to V (lowest action index wins ties). */
export function greedyPolicy(model: TabularModel, v: Float64Array, gamma: number): Int32Array {
  const pi = new Int32Array(model.numStates);
  for (let s = 0; s < model.numStates; s++) {
    let best = -Infinity;
    for (let a = 0; a < model.numActions; a++) {
      const q = actionValue(model, v, s, a, gamma);
      if (q > best + 1e-12) {
        best = q;
        pi[s] = a;
      }
    }
  }
  return pi;
}
