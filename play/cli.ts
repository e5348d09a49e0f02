#!/usr/bin/env node
// The `pixelgym` command. Each subcommand lives in play/commands/<name>.ts and adds itself here.
import { Command } from 'commander';
import { importModule } from '../envs/registry.js';
import '../envs/index.js';
import * as envsCmd from './commands/envs.js';
import * as startCmd from './commands/start.js';
import * as trainCmd from './commands/train.js';
import * as evalCmd from './commands/eval.js';
import * as watchCmd from './commands/watch.js';
import * as playCmd from './commands/play.js';
import * as explainCmd from './commands/explain.js';
import * as sweepCmd from './commands/sweep.js';

export interface CommandModule {
  register(program: Command): void;
}

const modules: CommandModule[] = [envsCmd, startCmd, trainCmd, evalCmd, watchCmd, playCmd, explainCmd, sweepCmd];

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pixelgym')
    .description('Reinforcement-learning gym and agents in TypeScript')
    .option('--import <module>', 'load a module that registers envs (a path or package name; repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .showHelpAfterError();
  // `--import` must run before the subcommand looks up env ids.
  program.hook('preAction', async (_this, action) => {
    const mods = (action.optsWithGlobals() as { import?: string[] }).import ?? [];
    for (const m of mods) await importModule(m);
  });
  for (const m of modules) m.register(program);
  return program;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (isMain) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      console.error(`pixelgym: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
