// Plug in your own env: any object with Gymnasium's members works, no base class needed.
import { Box, Discrete, checkEnv, make, register } from 'pixelgym/envs';

class Corridor {
  observationSpace = new Box(0, 9, [1], 'float32');
  actionSpace = new Discrete(2); // 0 left, 1 right
  metadata = { renderFps: 10 };
  position = 0;
  reset() {
    this.position = 0;
    return { observation: new Float32Array([this.position]), info: {} };
  }
  step(action) {
    this.position = Math.max(0, Math.min(9, this.position + (action === 1 ? 1 : -1)));
    const terminated = this.position === 9;
    return { observation: new Float32Array([this.position]), reward: terminated ? 1 : 0, terminated, truncated: false, info: {} };
  }
  render() {
    return null;
  }
  close() {}
  get unwrapped() {
    return this;
  }
}

register({ id: 'Corridor-v0', entryPoint: Corridor, maxEpisodeSteps: 50 });
const env = make('Corridor-v0');
const report = checkEnv(env, { skipRenderCheck: true });
console.log(`${report.checks.length} checks passed`);
env.reset({ seed: 0 });
try {
  env.step(7); // outside Discrete(2): a RangeError that names the space and the value
} catch (err) {
  console.log(err.message);
}
