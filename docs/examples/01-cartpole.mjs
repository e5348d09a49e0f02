// Gymnasium's loop, in pixelgym: make an env, reset it with a seed, step it until the episode ends.
import { make } from 'pixelgym/envs';

const env = make('CartPole-v1');
console.log(String(env.observationSpace), String(env.actionSpace));
let { observation } = env.reset({ seed: 42 });
let episodeReturn = 0;
for (;;) {
  const action = observation[2] > 0 ? 1 : 0; // push the cart towards where the pole leans
  const step = env.step(action);
  episodeReturn += step.reward;
  observation = step.observation;
  if (step.terminated || step.truncated) break;
}
console.log(`return ${episodeReturn}`);
const frame = env.render(); // { width, height, data: RGB Uint8Array }
console.log(`frame ${frame.width}x${frame.height}`);
env.close();
