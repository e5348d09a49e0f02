// `pixelgym play --env ID [--record FILE]`: a person plays an env in the browser with the keys the
// env binds (keysToAction), optionally recording demonstrations.
import type { Command } from 'commander';
import { makeAsync } from '../../envs/registry.js';
import { DemonstrationRecorder } from '../demos.js';
import { startViewer, type ViewerHandle } from '../server/viewerServer.js';
import { parseIntOption, parseRateOption, serveUntilStopped } from './watch.js';

export interface PlayCommandOptions {
  env: string;
  record?: string;
  port?: number;
  host?: string;
  /** Steps a second (default: the env's renderFps). */
  fps?: number;
  seed?: number;
}

export interface PlaySession {
  viewer: ViewerHandle;
  recorder: DemonstrationRecorder | null;
}

/**
 * Starts the viewer in play mode. With `record`, every step is recorded and the file is rewritten
 * (atomically) after each episode and when the viewer closes. When no key is held the env takes its
 * '' action if it binds one; otherwise it waits (no step) until a key is held.
 */
export async function startPlay(o: PlayCommandOptions): Promise<PlaySession> {
  if (!o.env) throw new Error('play: --env ID is required');
  const env = await makeAsync(o.env);
  if (typeof env.keysToAction !== 'function' || Object.keys(env.keysToAction()).length === 0) throw new Error(`play: ${o.env} has no key bindings (keysToAction), so it cannot be played`);
  const recorder = o.record ? DemonstrationRecorder.forEnv(env) : null;
  const viewer = await startViewer({
    mode: 'play',
    env,
    title: `${o.env} · play`,
    ...(recorder && o.record ? { recorder, recordPath: o.record } : {}),
    ...(o.fps !== undefined ? { stepsPerSecond: o.fps } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
  });
  return { viewer, recorder };
}

export function register(program: Command): void {
  program
    .command('play')
    .description('play an env yourself in the browser (its keys: arrows, space, …), optionally recording demonstrations')
    .requiredOption('--env <id>', 'env id')
    .option('--record <file>', 'record demonstrations to this file (rewritten after every episode)')
    .option('--port <n>', 'port (default: a free one)', parseIntOption('--port', 0, 65535))
    .option('--host <addr>', 'address to bind (default 127.0.0.1)')
    .option('--fps <n>', "steps a second (default: the env's renderFps)", parseRateOption('--fps'))
    .option('--seed <n>', 'seed of the first reset', parseIntOption('--seed', -(2 ** 31), 2 ** 31 - 1))
    .action(async (o: PlayCommandOptions) => {
      const { viewer, recorder } = await startPlay(o);
      await serveUntilStopped(viewer, `playing ${o.env}`);
      if (recorder && o.record) process.stdout.write(`recorded ${recorder.episodeCount} episodes, ${recorder.stepCount} steps to ${o.record}\n`);
    });
}
