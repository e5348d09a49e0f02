import type { Command } from 'commander';

/** Not yet built: adds no subcommand. */
export function register(_program: Command): void {}
