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
