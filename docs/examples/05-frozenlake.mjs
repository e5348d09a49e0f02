// The MDP chapter: solve FrozenLake's known model with value iteration, then act on it.
import { make, FrozenLakeEnv } from 'pixelgym/envs';
import { valueIteration } from 'pixelgym/agents';

const model = new FrozenLakeEnv({ mapName: '4x4', isSlippery: true });
const { values, policy } = valueIteration(model, { gamma: 0.99 });
console.log('V(start) =', values[0].toFixed(3));

const env = make('FrozenLake-v1');
let wins = 0;
for (let ep = 0; ep < 200; ep++) {
  let { observation } = env.reset({ seed: ep });
  for (;;) {
    const r = env.step(policy[observation]);
    observation = r.observation;
    if (r.terminated || r.truncated) {
      wins += r.reward;
      break;
    }
  }
}
console.log(`success rate ${(wins / 200).toFixed(2)}`);
