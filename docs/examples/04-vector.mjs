// Vector envs: n copies stepped as a batch, observations in one typed array [n, ...shape].
import { makeVec } from 'pixelgym/envs';

const vec = await makeVec('CartPole-v1', 4, { async: true }); // worker threads; async: false steps in this thread
const { observations } = await vec.reset({ seed: 0 }); // sub-env i is seeded with 0 + i
console.log(observations.constructor.name, observations.length); // Float32Array 16
const actions = new Int32Array(4);
let finished = 0;
for (let t = 0; t < 500; t++) {
  for (let i = 0; i < 4; i++) actions[i] = observations[i * 4 + 2] > 0 ? 1 : 0;
  const r = await vec.step(actions);
  observations.set(r.observations);
  for (let i = 0; i < 4; i++) finished += r.terminations[i] | r.truncations[i];
}
console.log(`episodes finished: ${finished}`);
await vec.close();
