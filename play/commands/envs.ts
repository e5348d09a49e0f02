import type { Command } from 'commander';
import { make, registeredIds, spec } from '../../envs/registry.js';
import type { SpaceJSON } from '../../envs/spaces/space.js';

/** One registered env as `pixelgym envs --json` prints it. */
export interface EnvListing {
  id: string;
  observationSpace: SpaceJSON | null;
  actionSpace: SpaceJSON | null;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  /** Why the env could not be built (its spaces are then null). */
  error?: string;
}

interface Described extends EnvListing {
  observationText: string;
  actionText: string;
}

function describe(id: string): Described {
  const s = spec(id);
  const base = { id, maxEpisodeSteps: s.maxEpisodeSteps ?? null, rewardThreshold: s.rewardThreshold ?? null };
  try {
    // The spaces come from an instance: they may depend on kwargs (e.g. obsType).
    const env = make(id);
    try {
      return {
        id,
        observationSpace: env.observationSpace.toJSON(),
        actionSpace: env.actionSpace.toJSON(),
        maxEpisodeSteps: base.maxEpisodeSteps,
        rewardThreshold: base.rewardThreshold,
        observationText: String(env.observationSpace),
        actionText: String(env.actionSpace),
      };
    } finally {
      env.close();
    }
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { id, observationSpace: null, actionSpace: null, maxEpisodeSteps: base.maxEpisodeSteps, rewardThreshold: base.rewardThreshold, error, observationText: '?', actionText: '?' };
  }
}

/** Every registered env with its spaces, episode limit and reward threshold, sorted by id. */
export function listEnvs(): EnvListing[] {
  return registeredIds().map((id) => {
    const { observationText: _o, actionText: _a, ...listing } = describe(id);
    return listing;
  });
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A plain-text table of the registered envs. */
export function formatEnvTable(): string {
  const rows = registeredIds().map(describe);
  const header = ['id', 'observation space', 'action space', 'max steps', 'reward threshold'];
  const cells = rows.map((r) => [
    r.id,
    r.error ? `error: ${shorten(r.error, 60)}` : shorten(r.observationText, 48),
    r.error ? '' : shorten(r.actionText, 32),
    r.maxEpisodeSteps === null ? '-' : String(r.maxEpisodeSteps),
    r.rewardThreshold === null ? '-' : String(r.rewardThreshold),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), '', `${rows.length} envs registered`].join('\n');
}

export function register(program: Command): void {
  program
    .command('envs')
    .description('list the registered environments with their spaces, episode limits and reward thresholds')
    .option('--json', 'print a JSON array (spaces as their toJSON())')
    .action((opts: { json?: boolean }) => {
      // Piped into `head`, the reader may leave early: that is not an error.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
      process.stdout.write(opts.json ? `${JSON.stringify(listEnvs())}\n` : `${formatEnvTable()}\n`);
    });
}
