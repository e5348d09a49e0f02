// `pixelgym eval DIR`: evaluates a trained agent (a run directory or a saved agent) in its env.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readAgentFile } from '../../agents/agentFile.js';
import { evaluate } from '../../agents/evaluate.js';
import { applyPreprocess, type PreprocessSpec } from '../../agents/preprocess.js';
import { loadAgent } from '../../agents/registry.js';
import { readRunConfig, recordEpisodeGif } from '../../agents/train.js';
import type { TrainableAgent } from '../../agents/types.js';
import type { Env } from '../../envs/core.js';
import { importModule, makeAsync } from '../../envs/registry.js';
import { selectBackend, type BackendName } from '../../nets/backend.js';

export interface LoadedRun {
  agent: TrainableAgent;
  /** Makes a fresh env as the agent was trained on (preprocessed). */
  makeEnv(): Promise<Env>;
  envId: string;
  modelDir: string;
}

/** Finds the agent of a run directory (model/, or best/ with `best`) or a saved agent directory, and its env. */
export async function loadRun(dir: string, opts: { best?: boolean } = {}): Promise<LoadedRun> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new Error(`eval: ${dir} does not exist`);
  let modelDir = root;
  let envKwargs: Record<string, unknown> = {};
  let envId: string | null = null;
  if (existsSync(join(root, 'config.json'))) {
    const run = readRunConfig(root);
    for (const m of run.imports ?? []) await importModule(m);
    envKwargs = run.envKwargs ?? {};
    envId = run.env;
    modelDir = join(root, opts.best ? 'best' : 'model');
    if (!existsSync(join(modelDir, 'agent.json'))) {
      const fallback = join(root, opts.best ? 'model' : 'best');
      if (existsSync(join(fallback, 'agent.json'))) modelDir = fallback;
      else throw new Error(`eval: ${root} has no saved agent yet (${modelDir} is missing; the run may still be going or was killed: resume it first)`);
    }
  } else if (!existsSync(join(root, 'agent.json'))) {
    throw new Error(`eval: ${dir} is neither a run directory (config.json) nor a saved agent (agent.json)`);
  }
  const file = readAgentFile<{ preprocess?: PreprocessSpec }>(modelDir);
  envId ??= file.envId;
  if (!envId) throw new Error(`eval: ${modelDir} does not record its env id`);
  const agent = await loadAgent(modelDir);
  const id = envId;
  return {
    agent,
    envId: id,
    modelDir,
    makeEnv: async () => applyPreprocess(await makeAsync(id, envKwargs), file.config.preprocess),
  };
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a trained agent (a run directory from `pixelgym train`, or a saved agent)')
    .argument('<dir>', 'run directory or saved agent directory')
    .option('--episodes <n>', 'episodes to run', '10')
    .option('--seed <n>', 'seed of the first reset', '0')
    .option('--gif <file>', 'also write a GIF of one greedy episode')
    .option('--json', 'print { meanReturn, stdReturn, episodes } as JSON')
    .option('--best', "evaluate the run's best checkpointed model instead of the final one")
    .option('--backend <name>', 'tfjs back end (default PIXELGYM_BACKEND or auto)')
    .action(async (dir: string, o: { episodes: string; seed: string; gif?: string; json?: boolean; best?: boolean; backend?: string }) => {
      const episodes = Number(o.episodes);
      const seed = Number(o.seed);
      if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`--episodes must be a positive integer, got '${o.episodes}'`);
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${o.seed}'`);
      const backend = await selectBackend((o.backend as BackendName | undefined) ?? undefined);
      if (!o.json) console.error(`pixelgym: tfjs back end '${backend}'`);
      const run = await loadRun(dir, { best: o.best ?? false });
      try {
        const env = await run.makeEnv();
        const r = evaluate(env, run.agent, { episodes, seed });
        env.close();
        let gif: string | null = null;
        if (o.gif) gif = recordEpisodeGif(await run.makeEnv(), run.agent, o.gif, seed);
        if (o.json) {
          console.log(JSON.stringify({ meanReturn: r.meanReturn, stdReturn: r.stdReturn, episodes, returns: r.returns, lengths: r.lengths, ...(gif ? { gif } : {}) }));
        } else {
          console.log(`${run.agent.algo} on ${run.envId}: ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} over ${episodes} episodes (${run.modelDir})`);
          if (gif) console.log(`wrote ${gif}`);
        }
      } finally {
        run.agent.dispose?.();
      }
    });
}
