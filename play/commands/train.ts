// `pixelgym train <algo> --env ID ...`: trains an agent with the shared training loop (agents/train.ts).
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { algorithmNames, getAlgorithm } from '../../agents/registry.js';
import { createResumedRun, createRun, type TrainingRun, type TrainResult } from '../../agents/train.js';
import type { BackendName } from '../../nets/backend.js';
import type { OverlayEvery } from '../server/overlays.js';
import { checkLiveMethod, liveExplainer } from '../../nets/vision/explain/viewer.js';
import { agentModel } from './explain.js';
import { parseExplainEvery } from './watch.js';

interface TrainCliOptions {
  env?: string;
  steps?: string;
  seed: string;
  out?: string;
  preset?: string;
  set: string[];
  backend?: string;
  resume?: string;
  progress: boolean;
  evalEvery?: string;
  evalEpisodes?: string;
  checkpointEvery?: string;
  stopAt?: string;
  watch?: boolean;
  port?: string;
  explain?: string;
  explainEvery?: OverlayEvery;
  listPresets?: boolean;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got '${v}'`);
  return n;
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}

function defaultOut(algo: string, env: string, seed: number): string {
  const base = join('runs', `${algo}-${env.replace(/[^A-Za-z0-9._-]+/g, '_')}-s${seed}`);
  if (!existsSync(base)) return base;
  return `${base}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** Prints the outcome of a run. */
export function reportResult(r: TrainResult): void {
  const last = r.evals[r.evals.length - 1];
  const lines = [
    `trained ${r.algo} on ${r.envId ?? 'a custom env'}: ${r.steps} env steps, ${r.episodes} episodes in ${r.wallSeconds.toFixed(1)} s (${r.backend})`,
    ...(last ? [`last evaluation at step ${last.step}: ${last.meanReturn.toFixed(2)} ± ${last.stdReturn.toFixed(2)} over ${last.returns.length} episodes`] : []),
    ...(r.solvedAtStep !== null ? [`reached the target return at step ${r.solvedAtStep}`] : []),
    ...(r.outDir ? [`run directory: ${r.outDir} (model/, curve.png, metrics.jsonl, eval.jsonl, checkpoints/)`] : []),
  ];
  for (const l of lines) console.log(l);
}

/** SIGINT stops the run gracefully (model and curve are still written); a second one exits. */
export function abortOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) process.exit(130);
    console.error('\npixelgym: stopping after the current step (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}

/** Live explanation overlays on a watched training run (`--explain`, `--explain-every`). */
export interface ExplainWatchOptions {
  method: string;
  every?: OverlayEvery;
}

/**
 * A watch hook that attaches the viewer (play/server) to the run; with `explain`, the frames shown
 * carry an explanation of the learning agent's chosen action, from its current weights.
 */
export function viewerHook(port: number | undefined, explain?: ExplainWatchOptions): (run: TrainingRun) => Promise<{ close(): Promise<void> }> {
  return async (run) => {
    const server = (await import('../server/index.js')) as { attachViewer?: (run: TrainingRun, opts: Record<string, unknown>) => Promise<{ url: string; close(): Promise<void> }> };
    if (typeof server.attachViewer !== 'function') throw new Error('--watch: the viewer (play/server attachViewer) is not available');
    let overlay: Record<string, unknown> = {};
    if (explain) {
      overlay = { overlay: liveExplainer(agentModel(run.agent), checkLiveMethod(explain.method, 'train: --explain')), overlayEvery: explain.every ?? 'auto' };
    }
    const handle = await server.attachViewer(run, { title: `${run.algo} ${run.envId ?? ''}`, ...(port !== undefined ? { port } : {}), ...overlay });
    console.error(`pixelgym: watching at ${handle.url}`);
    return handle;
  };
}

export function register(program: Command): void {
  program
    .command('train')
    .description(`train an agent (${algorithmNames().join(', ')}) on an env; writes a run directory`)
    .argument('[algo]', 'algorithm')
    .option('--env <id>', "env id (default: the preset's env)")
    .option('--steps <n>', "env steps to train (default: the preset's budget)")
    .option('--seed <n>', 'seed of the agent, envs and replay', '0')
    .option('--out <dir>', 'run directory (default runs/<algo>-<env>-s<seed>)')
    .option('--preset <name>', "a preset of the algorithm, e.g. cartpole or dqn.cartpole (see --list-presets)")
    .option('--set <key=value...>', 'override config keys (dotted keys, JSON values), e.g. --set optimizer.learningRate=1e-3', [])
    .option('--backend <name>', 'tfjs back end: auto, wasm, cpu, tensorflow (default PIXELGYM_BACKEND or auto)')
    .option('--resume <dir>', 'continue the run in <dir> from its last checkpoint')
    .option('--no-progress', 'no progress bar')
    .option('--eval-every <n>', 'env steps between evaluations')
    .option('--eval-episodes <n>', 'episodes per evaluation')
    .option('--checkpoint-every <n>', 'env steps between checkpoints (0: none)')
    .option('--stop-at <return>', 'stop once an evaluation reaches this mean return')
    .option('--watch', 'show the run in the browser viewer')
    .option('--port <n>', 'viewer port with --watch')
    .option('--explain <method>', 'with --watch: draw an explanation of the agent\'s chosen action over its frame (saliency | guided | occlusion | attention)')
    .option('--explain-every <k>', "with --explain: explain every k-th frame shown (default: auto, at most half the time)", parseExplainEvery)
    .option('--list-presets', 'list the presets of the algorithm (or of all) and exit')
    .action(async (algo: string | undefined, o: TrainCliOptions, cmd: Command) => {
      if (o.listPresets) {
        for (const name of algo ? [algo] : algorithmNames()) {
          const entry = getAlgorithm(name);
          for (const [k, p] of Object.entries(entry.presets)) console.log(`${name}.${k}\t${p.env ?? ''}\t${p.description}`);
        }
        return;
      }
      // Checked before anything is created.
      if ((o.explain !== undefined || o.explainEvery !== undefined) && !o.watch) throw new Error('train: --explain and --explain-every need --watch');
      if (o.explainEvery !== undefined && o.explain === undefined) throw new Error('train: --explain-every needs --explain');
      if (o.explain !== undefined) checkLiveMethod(o.explain, 'train: --explain');
      const sig = abortOnSigint();
      const log = (line: string) => console.error(line);
      const port = int('port', o.port);
      try {
        let run: TrainingRun;
        if (o.resume) {
          if (algo) {
            const cfg = join(o.resume, 'config.json');
            if (existsSync(cfg)) {
              // The run's own algorithm wins; a different one on the command line is a mistake.
              const { readRunConfig } = await import('../../agents/train.js');
              const file = readRunConfig(o.resume);
              if (file.algo !== algo) throw new Error(`--resume ${o.resume}: that run trains ${file.algo}, not ${algo}`);
            }
          }
          run = await createResumedRun(o.resume, {
            progress: o.progress,
            signal: sig.signal,
            log,
            ...(o.backend ? { backend: o.backend as BackendName } : {}),
            ...(o.steps !== undefined ? { totalSteps: int('steps', o.steps)! } : {}),
          });
        } else {
          if (!algo) throw new Error(`train: name an algorithm (${algorithmNames().join(', ')}) or use --resume DIR`);
          const entry = getAlgorithm(algo);
          const seed = int('seed', o.seed) ?? 0;
          const presetEnv = o.preset ? (entry.presets[o.preset.replace(`${algo}.`, '')]?.env ?? undefined) : undefined;
          const envId = o.env ?? presetEnv;
          if (!envId && !o.preset) throw new Error('train: --env ID is required (or a --preset that names an env)');
          const globals = cmd.optsWithGlobals() as { import?: string[] };
          const imports = (globals.import ?? []).map((m) => (m.startsWith('.') || isAbsolute(m) ? resolve(m) : m));
          run = await createRun({
            algo,
            ...(envId ? { env: envId } : {}),
            ...(o.preset ? { preset: o.preset } : {}),
            set: o.set,
            seed,
            out: o.out ?? defaultOut(algo, envId ?? 'env', seed),
            progress: o.progress,
            signal: sig.signal,
            log,
            imports,
            ...(o.backend ? { backend: o.backend as BackendName } : {}),
            ...(o.steps !== undefined ? { totalSteps: int('steps', o.steps)! } : {}),
            ...(o.evalEvery !== undefined ? { evalEvery: int('eval-every', o.evalEvery)! } : {}),
            ...(o.evalEpisodes !== undefined ? { evalEpisodes: int('eval-episodes', o.evalEpisodes)! } : {}),
            ...(o.checkpointEvery !== undefined ? { checkpointEvery: int('checkpoint-every', o.checkpointEvery)! } : {}),
            ...(o.stopAt !== undefined ? { stopAtReturn: num('stop-at', o.stopAt)! } : {}),
          });
        }
        const viewer = o.watch
          ? await viewerHook(port, o.explain !== undefined ? { method: o.explain, ...(o.explainEvery !== undefined ? { every: o.explainEvery } : {}) } : undefined)(run)
          : null;
        // The viewer shows the run; when the run ends (or is stopped), so does it, and the process exits.
        const result = await run.start().finally(() => viewer?.close());
        reportResult(result);
        result.agent.dispose?.();
      } finally {
        sig.dispose();
      }
    });
}
