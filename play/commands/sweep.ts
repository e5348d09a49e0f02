// `pixelgym sweep`: random hyperparameter search with k-fold cross-validation for a frame classifier.
import { InvalidArgumentError, type Command } from 'commander';
import { selectBackend } from '../../nets/backend.js';
import { SWEEP_MODELS, formatSweepReport, runSweep, type SweepModel } from '../../nets/vision/supervised/sweep.js';

function intArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

function modelArg(v: string): SweepModel {
  if (!(SWEEP_MODELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${SWEEP_MODELS.join(', ')}`);
  return v as SweepModel;
}

interface SweepCliOptions {
  env: string;
  model: SweepModel;
  trials: number;
  folds: number;
  frames: number;
  seed: number;
  size: number;
  task?: string;
  epochs?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('sweep')
    .description('random hyperparameter search, scored by k-fold cross-validation, for a classifier of env frames')
    .requiredOption('--env <id>', 'env to record frames from (random policy)')
    .requiredOption('--model <name>', `classifier: ${SWEEP_MODELS.join(' | ')}`, modelArg)
    .option('--trials <n>', 'settings to try', intArg('--trials'), 10)
    .option('--folds <k>', 'cross-validation folds', intArg('--folds'), 5)
    .option('--frames <n>', 'frames to record (20% held out for the final test)', intArg('--frames'), 1000)
    .option('--seed <s>', 'seed for frames, folds and the search', intArg('--seed'), 0)
    .option('--size <px>', 'frame side in pixels', intArg('--size'), 21)
    .option('--task <kind:x|y:buckets>', "what to classify, e.g. 'ball:x:5' (default: the most visible kind's x in 5 buckets)")
    .option('--epochs <n>', 'training passes per fit (linear, cnn)', intArg('--epochs'))
    .option('--json', 'print the whole report as JSON')
    .action(async (o: SweepCliOptions) => {
      await selectBackend('wasm');
      const report = await runSweep({
        env: o.env,
        model: o.model,
        trials: o.trials,
        folds: o.folds,
        frames: o.frames,
        seed: o.seed,
        size: o.size,
        ...(o.task !== undefined && { task: o.task }),
        ...(o.epochs !== undefined && { epochs: o.epochs }),
        onTrial: o.json ? undefined : (t) => process.stderr.write(`trial ${t.trial + 1}/${o.trials}: ${t.score.toFixed(4)} ${JSON.stringify(t.params)}\n`),
      });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatSweepReport(report)}\n`);
    });
}
