// agent.json: what a saved agent is (algorithm, config, spaces, env id), written beside its networks.
import { join } from 'node:path';
import { spaceFromJSON } from '../envs/spaces/json.js';
import type { Space, SpaceJSON } from '../envs/spaces/space.js';
import { readJsonFile, writeJsonFile } from './common.js';
import type { EnvInfo } from './types.js';

export const AGENT_FILE = 'agent.json';
export const AGENT_FORMAT = 1;

export interface AgentFile<C = unknown> {
  format: number;
  algo: string;
  config: C;
  observationSpace: SpaceJSON;
  actionSpace: SpaceJSON;
  envId: string | null;
  /** Anything else the algorithm records (e.g. network file names). */
  extra?: Record<string, unknown>;
}

export function writeAgentFile<C>(dir: string, algo: string, config: C, env: EnvInfo, extra?: Record<string, unknown>): void {
  const file: AgentFile<C> = {
    format: AGENT_FORMAT,
    algo,
    config,
    observationSpace: env.observationSpace.toJSON(),
    actionSpace: env.actionSpace.toJSON(),
    envId: env.id ?? null,
    ...(extra ? { extra } : {}),
  };
  writeJsonFile(join(dir, AGENT_FILE), file);
}

export function readAgentFile<C = unknown>(dir: string): AgentFile<C> & { env: EnvInfo } {
  const file = readJsonFile<AgentFile<C>>(join(dir, AGENT_FILE), `saved agent in ${dir}`);
  if (typeof file !== 'object' || file === null || typeof file.algo !== 'string' || file.format !== AGENT_FORMAT)
    throw new Error(`${join(dir, AGENT_FILE)} is not a pixelgym agent file (format ${AGENT_FORMAT})`);
  let observationSpace: Space<unknown>;
  let actionSpace: Space<unknown>;
  try {
    observationSpace = spaceFromJSON(file.observationSpace);
    actionSpace = spaceFromJSON(file.actionSpace);
  } catch (err) {
    throw new Error(`${join(dir, AGENT_FILE)} is corrupt: ${(err as Error).message}`);
  }
  const env: EnvInfo = { observationSpace, actionSpace, ...(file.envId ? { id: file.envId } : {}) };
  return { ...file, env };
}

/**
 * Rebuilds the saved agent in `dir`: checks that agent.json names `algo`, builds the agent from its
 * spaces and config with `build`, then loads its weights.
 */
export async function restoreAgent<C, A extends { load(dir: string): Promise<void> }>(
  dir: string,
  algo: string,
  build: (env: EnvInfo, config: C) => A | Promise<A>,
): Promise<A> {
  const file = readAgentFile<C>(dir);
  if (file.algo !== algo) throw new Error(`${dir} holds a '${file.algo}' agent, not ${algo}`);
  const agent = await build(file.env, file.config);
  await agent.load(dir);
  return agent;
}
