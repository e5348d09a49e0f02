// Value iteration (Bellman 1957; Sutton & Barto 2018, §4.4): sweep V(s) ← max_a Σ p (r + γ V(s'))
// until the largest change is below theta, then act greedily.
import { actionValue, assertTabularModel, greedyPolicy, type TabularModel } from './model.js';

export interface ValueIterationConfig {
  /** Discount factor γ. */
  gamma: number;
  /** Stop when max_s |ΔV(s)| < theta. */
  theta: number;
  maxIterations: number;
}

export const valueIterationDefaults: ValueIterationConfig = { gamma: 0.99, theta: 1e-10, maxIterations: 100_000 };

export interface TabularSolution {
  values: Float64Array;
  policy: Int32Array;
  iterations: number;
  converged: boolean;
}

export function valueIteration(model: TabularModel, config: Partial<ValueIterationConfig> = {}): TabularSolution {
  assertTabularModel(model);
  const { gamma, theta, maxIterations } = { ...valueIterationDefaults, ...config };
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`gamma must be in [0, 1], got ${gamma}`);
  const v = new Float64Array(model.numStates);
  let it = 0;
  let converged = false;
  while (it < maxIterations) {
    it++;
    let delta = 0;
    // In-place (Gauss–Seidel) sweep: converges in fewer sweeps than keeping two copies.
    for (let s = 0; s < model.numStates; s++) {
      let best = -Infinity;
      for (let a = 0; a < model.numActions; a++) best = Math.max(best, actionValue(model, v, s, a, gamma));
      delta = Math.max(delta, Math.abs(best - v[s]!));
      v[s] = best;
    }
    if (delta < theta) {
      converged = true;
      break;
    }
  }
  return { values: v, policy: greedyPolicy(model, v, gamma), iterations: it, converged };
}
