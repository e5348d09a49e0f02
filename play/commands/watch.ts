// `pixelgym watch <run dir> | --env ID [--agent DIR]`: the viewer streaming episodes of a trained
// agent (with its Q-values or policy) or of a random agent, plus a run's learning curve.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Agent } from '../../agents/agent.js';
import { readRunConfig } from '../../agents/train.js';
import type { Env } from '../../envs/core.js';
import { importModule, makeAsync } from '../../envs/registry.js';
import { selectBackend, type BackendName } from '../../nets/backend.js';
import { LIVE_METHODS, checkLiveMethod, liveExplainer, type LiveMethod } from '../../nets/vision/explain/viewer.js';
import { checkOverlayEvery, type OverlayEvery, type OverlayFunction } from '../server/overlays.js';
import { stderrLogger } from '../server/logger.js';
import { startViewer, type ViewerHandle } from '../server/viewerServer.js';
import { loadRun } from './eval.js';
import { agentModel } from './explain.js';

export interface WatchCommandOptions {
  env?: string;
  agent?: string;
  port?: number;
  host?: string;
  seed?: number;
  /** Steps a second (default: the env's renderFps). */
  speed?: number;
  /** The run's best model instead of its final one. */
  best?: boolean;
  backend?: string;
  /** Draw this explanation of the agent's chosen action over each frame explained. */
  explain?: LiveMethod;
  /** Explain every k-th frame shown (default 'auto': as often as keeps explaining under half the wall time). */
  explainEvery?: OverlayEvery;
}

interface WatchPlan {
  env: Env;
  agent: Agent | null;
  metricsFile: string | null;
  title: string;
}

/** What to show: a run directory's agent, env and metrics; a saved agent; or an env with a random agent. */
async function plan(runDir: string | undefined, o: WatchCommandOptions): Promise<WatchPlan> {
  if (runDir && o.agent) throw new Error('watch: give a run directory or --agent, not both');
  const agentDir = runDir ?? o.agent;
  if (!agentDir) {
    if (!o.env) throw new Error('watch: give a run directory, --agent DIR, or --env ID');
    return { env: await makeAsync(o.env), agent: null, metricsFile: null, title: `${o.env} · random agent` };
  }
  const root = resolve(agentDir);
  const metrics = join(root, 'metrics.jsonl');
  const isRun = existsSync(join(root, 'config.json'));
  if (o.backend || isRun || existsSync(join(root, 'agent.json'))) await selectBackend((o.backend as BackendName | undefined) ?? undefined);
  try {
    const loaded = await loadRun(root, { best: o.best ?? false });
    if (o.env && o.env !== loaded.envId) throw new Error(`watch: the agent was trained on ${loaded.envId}, not ${o.env}`);
    return { env: await loaded.makeEnv(), agent: loaded.agent, metricsFile: isRun ? metrics : null, title: `${loaded.envId} · ${loaded.agent.algo}` };
  } catch (err) {
    // A run still in its first steps has a config and metrics but no saved agent yet: show its
    // env with a random agent and its live curve rather than nothing.
    if (!isRun || !/no saved agent yet/.test((err as Error).message)) throw err;
    const run = readRunConfig(root);
    for (const m of run.imports ?? []) await importModule(m);
    if (!run.env) throw err;
    stderrLogger.warn(`${root} has no saved agent yet: showing a random agent and the run's curve`);
    return { env: await makeAsync(run.env, run.envKwargs ?? {}), agent: null, metricsFile: metrics, title: `${run.env} · ${run.algo} (no model yet: random)` };
  }
}

/** Starts the viewer in watch mode for a run directory, a saved agent or an env id. */
export async function startWatch(runDir: string | undefined, o: WatchCommandOptions = {}): Promise<ViewerHandle> {
  if (o.explain !== undefined) checkLiveMethod(o.explain, 'watch: --explain');
  if (o.explainEvery !== undefined && o.explain === undefined) throw new Error('watch: --explain-every needs --explain');
  const p = await plan(runDir, o);
  let overlay: OverlayFunction | null = null;
  try {
    if (o.explain) {
      if (!p.agent) throw new Error('watch: --explain needs a trained agent (a run directory with a saved model, or --agent DIR)');
      overlay = liveExplainer(agentModel(p.agent), o.explain);
    }
  } catch (err) {
    p.env.close();
    p.agent?.dispose?.();
    throw err;
  }
  return startViewer({
    mode: 'watch',
    env: p.env,
    agent: p.agent,
    title: p.title,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.speed !== undefined ? { stepsPerSecond: o.speed } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(p.metricsFile ? { metricsFile: p.metricsFile } : {}),
    ...(overlay ? { overlay, overlayEvery: o.explainEvery ?? 'auto' } : {}),
  });
}

export function parseIntOption(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in ${min}..${max}, got '${v}'`);
    return n;
  };
}

export function parseExplainEvery(v: string): OverlayEvery {
  return checkOverlayEvery(v === 'auto' ? v : Number(v), '--explain-every', `'${v}'`);
}

export function parseRateOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0.1 || n > 10_000) throw new Error(`${name} must be a number in 0.1..10000, got '${v}'`);
    return n;
  };
}

/** Serves until Ctrl+C (or SIGTERM), then closes the viewer. */
export async function serveUntilStopped(viewer: ViewerHandle, what: string): Promise<void> {
  process.stdout.write(`${what} at ${viewer.url}  (Ctrl+C to stop)\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await viewer.close();
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('watch an agent play in the browser: a run directory (its agent, Q-values and learning curve), a saved agent, or an env with a random agent')
    .argument('[run]', 'run directory from `pixelgym train`')
    .option('--env <id>', 'env id (with no run or agent: a random agent plays)')
    .option('--agent <dir>', 'a saved agent directory (agent.json)')
    .option('--port <n>', 'port (default: a free one)', parseIntOption('--port', 0, 65535))
    .option('--host <addr>', 'address to bind (default 127.0.0.1)')
    .option('--seed <n>', 'seed of the first reset', parseIntOption('--seed', -(2 ** 31), 2 ** 31 - 1))
    .option('--speed <n>', "steps a second (default: the env's renderFps)", parseRateOption('--speed'))
    .option('--best', "the run's best model instead of its final one")
    .option('--backend <name>', 'tfjs back end (default PIXELGYM_BACKEND or auto)')
    .option('--explain <method>', `draw an explanation of the agent's chosen action over its frame (${LIVE_METHODS.join(' | ')})`)
    .option('--explain-every <k>', "explain every k-th frame shown (default: auto, as often as keeps it under half the server's time)", parseExplainEvery)
    .action(async (run: string | undefined, o: WatchCommandOptions) => {
      const viewer = await startWatch(run, o);
      await serveUntilStopped(viewer, 'watching');
    });
}
