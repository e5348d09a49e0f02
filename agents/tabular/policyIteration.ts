// Policy iteration (Howard 1960; Sutton & Barto 2018, §4.3): evaluate the current policy to
// convergence, improve it greedily, repeat until the policy is stable.
import { actionValue, assertTabularModel, type TabularModel } from './model.js';
import type { TabularSolution } from './valueIteration.js';

export interface PolicyIterationConfig {
  gamma: number;
  /** Policy evaluation stops when max_s |ΔV(s)| < theta. */
  theta: number;
  maxIterations: number;
}

export const policyIterationDefaults: PolicyIterationConfig = { gamma: 0.99, theta: 1e-10, maxIterations: 1000 };

export function policyIteration(model: TabularModel, config: Partial<PolicyIterationConfig> = {}): TabularSolution {
  assertTabularModel(model);
  const { gamma, theta, maxIterations } = { ...policyIterationDefaults, ...config };
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`gamma must be in [0, 1], got ${gamma}`);
  const v = new Float64Array(model.numStates);
  const pi = new Int32Array(model.numStates);
  let it = 0;
  let converged = false;
  while (it < maxIterations) {
    it++;
    // Evaluation. With γ = 1 an improper policy can make this diverge; cap the sweeps.
    for (let sweep = 0; sweep < 100_000; sweep++) {
      let delta = 0;
      for (let s = 0; s < model.numStates; s++) {
        const nv = actionValue(model, v, s, pi[s]!, gamma);
        delta = Math.max(delta, Math.abs(nv - v[s]!));
        v[s] = nv;
      }
      if (delta < theta) break;
    }
    // Improvement: switch only on a strict gain so ties cannot make it cycle.
    let stable = true;
    for (let s = 0; s < model.numStates; s++) {
      const current = actionValue(model, v, s, pi[s]!, gamma);
      let best = current;
      let bestA = pi[s]!;
      for (let a = 0; a < model.numActions; a++) {
        const q = actionValue(model, v, s, a, gamma);
        if (q > best + 1e-12) {
          best = q;
          bestA = a;
        }
      }
      if (bestA !== pi[s]) {
        pi[s] = bestA;
        stable = false;
      }
    }
    if (stable) {
      converged = true;
      break;
    }
  }
  return { values: v, policy: pi, iterations: it, converged };
}
