// `pixelgym start` (`npm start`): the main demo. Trains DQN on Catch-v0 from pixels (84×84 RGB frames,
// grayscaled and resized to 20×10, a small CNN) with a progress bar, evaluates it, and writes a GIF of
// a greedy episode and the learning curve into runs/start/.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { evaluate } from '../../agents/evaluate.js';
import { applyPreprocess, type PreprocessSpec } from '../../agents/preprocess.js';
import { createRun, recordEpisodeGif } from '../../agents/train.js';
import { make } from '../../envs/registry.js';
import type { BackendName } from '../../nets/backend.js';
import { abortOnSigint, viewerHook } from './train.js';

const ENV_ID = 'Catch-v0';

export function register(program: Command): void {
  program
    .command('start')
    .description('demo: train DQN on Catch-v0 from pixels for a few minutes, evaluate, write a GIF and the learning curve to runs/start/')
    .option('--out <dir>', 'where to write the run', join('runs', 'start'))
    .option('--steps <n>', 'env steps to train', '10000')
    .option('--seed <n>', 'seed', '0')
    .option('--backend <name>', 'tfjs back end (default PIXELGYM_BACKEND or auto: wasm without native TensorFlow)')
    .option('--no-progress', 'no progress bar')
    .option('--watch', 'show the run in the browser viewer')
    .action(async (o: { out: string; steps: string; seed: string; backend?: string; progress: boolean; watch?: boolean }) => {
      const steps = Number(o.steps);
      const seed = Number(o.seed);
      if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got '${o.steps}'`);
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${o.seed}'`);
      const out = resolve(o.out);
      // The demo starts afresh each time; only a previous run directory is removed.
      if (existsSync(out)) {
        if (!existsSync(join(out, 'config.json'))) throw new Error(`${out} exists and is not a pixelgym run directory; choose another --out`);
        rmSync(out, { recursive: true, force: true });
      }
      console.error(`pixelgym start: DQN on ${ENV_ID} from pixels (84×84 RGB → 20×10 gray, a small CNN), ${steps} env steps`);
      const sig = abortOnSigint();
      try {
        const run = await createRun({
          algo: 'dqn',
          preset: 'catch',
          env: ENV_ID,
          envKwargs: { obsType: 'rgb' },
          seed,
          totalSteps: steps,
          stopAtReturn: null,
          checkpointEvery: 2000,
          out,
          progress: o.progress,
          signal: sig.signal,
          log: (line) => console.error(line),
          ...(o.backend ? { backend: o.backend as BackendName } : {}),
        });
        const viewer = o.watch ? await viewerHook(undefined)(run) : null;
        const result = await run.start().finally(() => viewer?.close());
        const preprocess = (run.agent.config as { preprocess: PreprocessSpec }).preprocess;
        const makeEnv = () => applyPreprocess(make(ENV_ID, { obsType: 'rgb' }), preprocess);
        const episodes = 100;
        const r = evaluate(makeEnv(), run.agent, { episodes, seed: seed + 20_000 });
        const gif = recordEpisodeGif(makeEnv(), run.agent, join(out, 'episode.gif'), seed + 30_000);
        console.log(`DQN on ${ENV_ID} (pixels): ${result.steps} env steps in ${result.wallSeconds.toFixed(0)} s on '${result.backend}'`);
        console.log(`evaluation: mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} over ${episodes} greedy episodes (catch rate ${((r.returns.filter((x) => x > 0).length / episodes) * 100).toFixed(0)}%)`);
        console.log(`GIF of a greedy episode: ${gif}`);
        console.log(`learning curve:          ${join(out, 'curve.png')}`);
        console.log(`run directory:           ${out} (model/, metrics.jsonl, eval.jsonl, checkpoints/)`);
        console.log(`evaluate again with:     pixelgym eval ${o.out} --episodes 100`);
        run.agent.dispose?.();
      } finally {
        sig.dispose();
      }
    });
}
