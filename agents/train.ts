// One training loop for every algorithm.
//
// A driver steps the training envs in short bursts and pushes every step into `steps$`, a hot
// Subject; everything else is a subscriber built from small rxjs operators, in this order:
//
//   steps$ ─ learn(agent) ──────────────────────────────► updates (losses, mean Q, …)
//          ─ finishedEpisodes ───────────────────────────► metrics$ (episode rows) ┐
//          ─ logTicks + updates ─ trainRows ─────────────► metrics$ (train rows)   ├─► metrics.jsonl, progress bar, viewer
//          ─ due(evalEvery) ─ schedule(evaluate) ────────► evals$ ─► eval.jsonl    ┘
//          ─ due(checkpointEvery) & agent.canCheckpoint ─ schedule(checkpoint)
//
// Subscribers run synchronously inside the step; work that must not overlap stepping (evaluation,
// checkpoints: they await file writes) is scheduled and the driver awaits it before the next step.
// The viewer attaches by subscribing to `run.steps$` / `run.metrics$` (the `watch` hook).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Observable, Subject, filter, map, merge, mergeMap, type MonoTypeOperatorFunction, type OperatorFunction } from 'rxjs';
import type { Env } from '../envs/core.js';
import { importModule, make, makeAsync } from '../envs/registry.js';
import type { RngState } from '../envs/rng.js';
import { RecordVideo } from '../envs/wrappers/recordVideo.js';
import { selectBackend, type BackendName } from '../nets/backend.js';
import {
  CheckpointError,
  getEnvRngStates,
  latestCheckpoint,
  setEnvRngStates,
  writeCheckpoint,
  type CheckpointInfo,
  type EnvReplay,
} from './checkpoint.js';
import { NonFiniteError, applyOverrides, copyObservation, mergeConfig, readJsonFile, writeJsonFile } from './common.js';
import { writeCurvePng, type CurveData } from './curve.js';
import { evaluate, type EvaluationResult } from './evaluate.js';
import { loadEncoderSources, saveEncoderSources } from './networks.js';
import { applyPreprocess, type PreprocessSpec } from './preprocess.js';
import { defaultTrainSettings, type TrainSettings } from './presets.js';
import { getAlgorithm, getPreset } from './registry.js';
import type { EpisodeEnd, Metrics, TrainStep, TrainableAgent } from './types.js';

export type EnvSource = string | Env | ((kwargs?: Record<string, unknown>) => Env);

export interface TrainOptions {
  /** 'dqn', 'reinforce', 'a2c', 'qlearning' or a registered algorithm. */
  algo: string;
  /** A registered env id, an env (single-env algorithms only), or a factory. Default: the preset's env. */
  env?: EnvSource;
  envKwargs?: Record<string, unknown>;
  /** A preset of the algorithm ('cartpole' or 'dqn.cartpole'). */
  preset?: string;
  /** Config overrides on top of the preset (partial, nested). */
  config?: Record<string, unknown>;
  /** `key=value` overrides (dotted keys, JSON values), checked against the config's keys. */
  set?: string[];
  seed?: number;
  totalSteps?: number;
  evalEvery?: number;
  evalEpisodes?: number;
  checkpointEvery?: number;
  /** Stop once an evaluation's mean return reaches this (null: never). */
  stopAtReturn?: number | null;
  /** Env steps between aggregated 'train' rows in metrics.jsonl. Default 1000. */
  logEvery?: number;
  /** Run directory (config.json, metrics.jsonl, eval.jsonl, curve.png, model/, best/, checkpoints/). */
  out?: string;
  /** tfjs back end; default PIXELGYM_BACKEND or 'auto'. */
  backend?: BackendName;
  /** Show a progress bar on stderr. Default false. */
  progress?: boolean;
  signal?: AbortSignal;
  /** Called with the run before it starts (e.g. to attach the viewer). */
  watch?: (run: TrainingRun) => void | Promise<void>;
  /** Status lines (back end, where files went). Default: silent. */
  log?: (line: string) => void;
  /** Modules to import before making the env (recorded in config.json for resume and eval). */
  imports?: string[];
  /** A separate env (or factory) for evaluation when `env` is an Env instance. */
  evalEnv?: EnvSource;
}

/** One line of metrics.jsonl (and one emission of `metrics$`). */
export type MetricsRecord = { kind: 'episode' | 'train'; step: number; time: number } & Record<string, number | string>;

/** One line of eval.jsonl. */
export interface EvalRecord extends EvaluationResult {
  step: number;
  time: number;
}

export interface TrainResult {
  algo: string;
  envId: string | null;
  outDir: string | null;
  backend: string;
  steps: number;
  episodes: number;
  evals: EvalRecord[];
  /** Env steps at the first evaluation ≥ stopAtReturn (or the env's reward threshold), if any. */
  solvedAtStep: number | null;
  bestMeanReturn: number | null;
  wallSeconds: number;
  stoppedEarly: boolean;
  aborted: boolean;
  agent: TrainableAgent;
}

/** config.json of a run directory. */
export interface RunConfigFile {
  format: 1;
  algo: string;
  env: string | null;
  envKwargs: Record<string, unknown>;
  preset: string | null;
  seed: number;
  config: Record<string, unknown>;
  settings: TrainSettings & { logEvery: number };
  backend: string;
  imports: string[];
  createdAt: string;
}

interface AggregatorState {
  sums: Record<string, number>;
  counts: Record<string, number>;
}

/** Everything the loop itself needs to continue exactly; saved in each checkpoint as loop.json. */
interface LoopState {
  globalStep: number;
  episodes: number;
  nextEvalAt: number;
  nextCheckpointAt: number;
  lastEvalStep: number;
  bestMeanReturn: number | null;
  solvedAtStep: number | null;
  envs: Array<{ replay: EnvReplay; episodeReturn: number; episodeLength: number }>;
  agg: AggregatorState;
  metricsBytes: number;
  evalBytes: number;
  recentReturns: number[];
  elapsedSeconds: number;
}

/** Why a run stopped early with an error; `cause` is the original error (e.g. a NonFiniteError). */
export class TrainingError extends Error {
  constructor(
    message: string,
    cause: unknown,
    readonly lastCheckpoint: CheckpointInfo | null,
  ) {
    super(message, { cause });
    this.name = 'TrainingError';
  }
}

// ---------------------------------------------------------------------------------- operators

/** Feeds each step to the agent's learner; emits the metrics of the updates it made. */
export function learn(agent: TrainableAgent): OperatorFunction<TrainStep, { step: number; metrics: Metrics }> {
  return (steps$) =>
    steps$.pipe(
      map((s) => ({ step: s.globalStep, metrics: agent.observe(s) })),
      filter((u): u is { step: number; metrics: Metrics } => u.metrics !== null),
    );
}

/** The episodes that ended, one emission each. */
export function finishedEpisodes(): OperatorFunction<TrainStep, EpisodeEnd> {
  return (steps$) => steps$.pipe(mergeMap((s) => s.finished));
}

/** Steps at which the step count crosses the next multiple of `every` (and `when` holds). */
export function due(every: number, next: { at: number }, when: () => boolean = () => true): MonoTypeOperatorFunction<TrainStep> {
  return (steps$) =>
    steps$.pipe(
      filter((s) => {
        if (!(every > 0) || s.globalStep < next.at || !when()) return false;
        next.at = (Math.floor(s.globalStep / every) + 1) * every;
        return true;
      }),
    );
}

// ------------------------------------------------------------------------------------- the run

/** A training run: its streams, agent and envs; `start()` runs it to the end. */
export class TrainingRun {
  /** Every step of all training envs (hot: it runs whether or not anyone listens). */
  readonly steps$: Observable<TrainStep>;
  /** Episode and aggregated training rows, as written to metrics.jsonl. */
  readonly metrics$: Observable<MetricsRecord>;
  readonly evals$: Observable<EvalRecord>;
  readonly episodes$: Observable<EpisodeEnd>;
  /** The training envs (preprocessed). */
  readonly envs: Env[];
  readonly agent: TrainableAgent;
  readonly algo: string;
  readonly envId: string | null;
  readonly outDir: string | null;
  readonly backend: string;
  readonly settings: TrainSettings & { logEvery: number };
  readonly seed: number;

  private readonly stepSubject = new Subject<TrainStep>();
  private readonly metricsSubject = new Subject<MetricsRecord>();
  private readonly evalSubject = new Subject<EvalRecord>();
  private readonly tasks: Array<() => Promise<void>> = [];
  private failure: unknown = null;
  private stopRequested = false;
  private readonly state: LoopState;
  private current: unknown[];
  private readonly evalEnvSource: (() => Env) | null;
  private evalEnv: Env | null = null;
  private readonly evals: EvalRecord[] = [];
  private metricsFd: number | null = null;
  private evalFd: number | null = null;
  private startTime = 0;
  private lastCheckpoint: CheckpointInfo | null = null;
  private bar: SingleBar | null = null;
  private lastLog = { step: 0, time: 0 };
  private started = false;

  /** @internal Use `createRun`, `train` or `resumeTraining`. */
  constructor(
    init: {
      agent: TrainableAgent;
      algo: string;
      envId: string | null;
      envs: Env[];
      current: unknown[];
      evalEnv: (() => Env) | null;
      outDir: string | null;
      backend: string;
      settings: TrainSettings & { logEvery: number };
      seed: number;
      state: LoopState;
      lastCheckpoint: CheckpointInfo | null;
      evals: EvalRecord[];
    },
    private readonly options: { progress: boolean; signal?: AbortSignal; log: (line: string) => void; rewardThreshold: number | null },
  ) {
    this.agent = init.agent;
    this.algo = init.algo;
    this.envId = init.envId;
    this.envs = init.envs;
    this.current = init.current;
    this.evalEnvSource = init.evalEnv;
    this.outDir = init.outDir;
    this.backend = init.backend;
    this.settings = init.settings;
    this.seed = init.seed;
    this.state = init.state;
    this.lastCheckpoint = init.lastCheckpoint;
    this.evals.push(...init.evals);
    this.steps$ = this.stepSubject.asObservable();
    this.metrics$ = this.metricsSubject.asObservable();
    this.evals$ = this.evalSubject.asObservable();
    this.episodes$ = this.steps$.pipe(finishedEpisodes());
    this.wire();
  }

  /** Env steps so far. */
  get globalStep(): number {
    return this.state.globalStep;
  }

  /** Asks the run to stop after the current step (it still saves the model and the curve). */
  stop(): void {
    this.stopRequested = true;
  }

  // ------------------------------------------------------------------------------ subscribers

  private fail = (err: unknown): void => {
    this.failure ??= err;
  };

  /** A subscriber callback that reports its errors to the run instead of to rxjs's global handler. */
  private guard<T>(fn: (x: T) => void): (x: T) => void {
    return (x) => {
      try {
        fn(x);
      } catch (err) {
        this.fail(err);
      }
    };
  }

  private wire(): void {
    const s = this.settings;
    const steps$ = this.stepSubject;
    // 1. The learner: first, so every later subscriber sees the step after the agent learned from it.
    const updates$ = new Subject<{ step: number; metrics: Metrics }>();
    steps$.pipe(learn(this.agent)).subscribe({ next: (u) => updates$.next(u), error: this.fail });
    updates$.subscribe(this.guard((u) => this.aggregate(u.metrics)));
    // 2. Episode rows.
    const episodeRows$ = steps$.pipe(
      finishedEpisodes(),
      map((e): MetricsRecord => ({ kind: 'episode', step: e.step, episode: e.episode, env: e.env, return: e.return, length: e.length, time: this.elapsed() })),
    );
    // 3. Aggregated training rows every logEvery steps.
    const logNext = { at: (Math.floor(this.state.globalStep / s.logEvery) + 1) * s.logEvery };
    const trainRows$ = steps$.pipe(
      due(s.logEvery, logNext),
      map((st) => this.trainRow(st.globalStep)),
    );
    steps$.pipe(finishedEpisodes()).subscribe({
      next: this.guard((e) => {
        const q = this.state.recentReturns;
        q.push(e.return);
        if (q.length > 100) q.shift();
      }),
      error: this.fail,
    });
    merge(episodeRows$, trainRows$).subscribe({ next: this.guard((r) => this.writeMetrics(r)), error: this.fail });
    // 4. Evaluation and 5. checkpoints: scheduled, awaited by the driver before the next step.
    const evalNext = { at: this.state.nextEvalAt };
    steps$.pipe(due(s.evalEvery, evalNext)).subscribe({
      next: this.guard((st) => {
        this.state.nextEvalAt = evalNext.at;
        this.tasks.push(() => this.runEvaluation(st.globalStep));
      }),
      error: this.fail,
    });
    const ckptNext = { at: this.state.nextCheckpointAt };
    if (this.outDir) {
      steps$.pipe(due(s.checkpointEvery, ckptNext, () => this.agent.canCheckpoint())).subscribe({
        next: this.guard(() => {
          this.state.nextCheckpointAt = ckptNext.at;
          this.tasks.push(() => this.checkpoint());
        }),
        error: this.fail,
      });
    }
  }

  private elapsed(): number {
    return Math.round((this.state.elapsedSeconds + (performance.now() - this.startTime) / 1000) * 1000) / 1000;
  }

  private aggregate(m: Metrics): void {
    const a = this.state.agg;
    for (const [k, v] of Object.entries(m)) {
      a.sums[k] = (a.sums[k] ?? 0) + v;
      a.counts[k] = (a.counts[k] ?? 0) + 1;
    }
  }

  private trainRow(step: number): MetricsRecord {
    const a = this.state.agg;
    const row: MetricsRecord = { kind: 'train', step, time: this.elapsed() };
    for (const k of Object.keys(a.sums).sort()) row[k] = a.sums[k]! / a.counts[k]!;
    Object.assign(row, this.agent.status?.() ?? {});
    const q = this.state.recentReturns;
    if (q.length) row['meanReturn100'] = q.reduce((x, y) => x + y, 0) / q.length;
    row['episodes'] = this.state.episodes;
    const now = performance.now();
    row['fps'] = Math.round(((step - this.lastLog.step) / Math.max(1e-6, (now - this.lastLog.time) / 1000)) * 10) / 10;
    this.lastLog = { step, time: now };
    this.state.agg = { sums: {}, counts: {} };
    return row;
  }

  private writeMetrics(r: MetricsRecord): void {
    if (this.metricsFd !== null) this.state.metricsBytes += writeLine(this.metricsFd, r);
    this.metricsSubject.next(r);
  }

  // ------------------------------------------------------------------------------ evaluation

  private async runEvaluation(step: number): Promise<void> {
    if (!this.evalEnvSource) return;
    this.evalEnv ??= this.evalEnvSource();
    const r = evaluate(this.evalEnv, this.agent, { episodes: this.settings.evalEpisodes, seed: this.seed + 10_000 });
    const record: EvalRecord = { step, ...r, time: this.elapsed() };
    this.state.lastEvalStep = step;
    this.evals.push(record);
    if (this.evalFd !== null) this.state.evalBytes += writeLine(this.evalFd, record);
    const best = this.state.bestMeanReturn;
    if (best === null || r.meanReturn > best) {
      this.state.bestMeanReturn = r.meanReturn;
      if (this.outDir) await this.agent.save(join(this.outDir, 'best'));
    }
    const target = this.settings.stopAtReturn ?? this.options.rewardThreshold;
    if (target !== null && r.meanReturn >= target && this.state.solvedAtStep === null) this.state.solvedAtStep = step;
    if (this.settings.stopAtReturn !== null && r.meanReturn >= this.settings.stopAtReturn) this.stopRequested = true;
    this.evalSubject.next(record);
  }

  // ----------------------------------------------------------------------------- checkpoints

  private async checkpoint(): Promise<void> {
    if (!this.outDir) return;
    const snapshot = JSON.parse(JSON.stringify(this.state)) as LoopState;
    snapshot.elapsedSeconds = this.elapsed();
    this.lastCheckpoint = await writeCheckpoint(join(this.outDir, 'checkpoints'), this.state.globalStep, async (dir) => {
      await this.agent.saveState(join(dir, 'agent'));
      writeJsonFile(join(dir, 'loop.json'), snapshot);
    });
  }

  // ---------------------------------------------------------------------------------- driver

  private stepOnce(): void {
    const n = this.envs.length;
    const obs = this.current;
    this.current = new Array<unknown>(n);
    const actions = this.agent.trainAct(obs);
    if (actions.length !== n) throw new Error(`${this.algo}: trainAct returned ${actions.length} actions for ${n} envs`);
    const rewards = new Float64Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const next: unknown[] = new Array(n);
    const finished: EpisodeEnd[] = [];
    const stepBase = this.state.globalStep;
    for (let e = 0; e < n; e++) {
      const env = this.envs[e]!;
      const r = env.step(actions[e]);
      const es = this.state.envs[e]!;
      es.replay.actions.push(actionToJson(actions[e]));
      if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) {
        throw new NonFiniteError(`env ${this.envId ?? '(custom)'} #${e} returned reward ${String(r.reward)} at env step ${stepBase + e + 1} (episode ${this.state.episodes + finished.length})`);
      }
      rewards[e] = r.reward;
      terminated[e] = r.terminated ? 1 : 0;
      truncated[e] = r.truncated ? 1 : 0;
      next[e] = copyObservation(r.observation);
      es.episodeReturn += r.reward;
      es.episodeLength++;
      if (r.terminated || r.truncated) {
        finished.push({
          env: e,
          episode: this.state.episodes + finished.length,
          return: es.episodeReturn,
          length: es.episodeLength,
          terminated: r.terminated,
          truncated: r.truncated,
          step: stepBase + n,
        });
        es.episodeReturn = 0;
        es.episodeLength = 0;
        // Reset now, recording the random state it starts from, so a checkpoint after this step
        // describes the env by its RNG states alone.
        const rngBefore = getEnvRngStates(env);
        this.current[e] = copyObservation(env.reset().observation);
        es.replay = { resetSeed: null, rngBefore, actions: [] };
      } else {
        this.current[e] = next[e];
      }
    }
    this.state.globalStep += n;
    this.state.episodes += finished.length;
    const step: TrainStep = { globalStep: this.state.globalStep, numEnvs: n, observations: obs, actions, rewards, terminated, truncated, nextObservations: next, finished };
    this.stepSubject.next(step);
    if (this.failure) throw this.failure;
  }

  private updateBar(force = false): void {
    if (!this.bar) return;
    const now = performance.now();
    if (!force && now - this.barTime < 200) return;
    this.barTime = now;
    const q = this.state.recentReturns;
    const fps = (this.state.globalStep - this.barStep.step) / Math.max(1e-6, (now - this.barStep.time) / 1000);
    if (now - this.barStep.time > 2000) this.barStep = { step: this.state.globalStep, time: now };
    const lastEval = this.evals[this.evals.length - 1];
    this.bar.update(Math.min(this.state.globalStep, this.settings.totalSteps), {
      fps: fps.toFixed(0),
      ret: q.length ? (q.reduce((a, b) => a + b, 0) / q.length).toFixed(2) : '-',
      ev: lastEval ? lastEval.meanReturn.toFixed(2) : '-',
    });
  }

  private barTime = 0;
  private barStep = { step: 0, time: 0 };

  /** Runs the loop to the end (step budget, stop condition, abort or failure). */
  async start(): Promise<TrainResult> {
    if (this.started) throw new Error('TrainingRun.start: already started');
    this.started = true;
    const s = this.settings;
    this.startTime = performance.now();
    this.lastLog = { step: this.state.globalStep, time: this.startTime };
    this.barStep = { step: this.state.globalStep, time: this.startTime };
    if (this.outDir) {
      this.metricsFd = openAppend(join(this.outDir, 'metrics.jsonl'), this.state.metricsBytes);
      this.evalFd = openAppend(join(this.outDir, 'eval.jsonl'), this.state.evalBytes);
    }
    if (this.options.progress) {
      this.bar = new SingleBar({
        format: `${this.algo} ${this.envId ?? ''} |{bar}| {value}/{total} steps | {fps} steps/s | return {ret} | eval {ev} | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        barsize: 24,
        etaBuffer: 200,
        noTTYOutput: true,
        notTTYSchedule: 5000,
      });
      this.bar.start(s.totalSteps, this.state.globalStep, { fps: '-', ret: '-', ev: '-' });
    }
    const signal = this.options.signal;
    let aborted = false;
    try {
      while (this.state.globalStep < s.totalSteps && !this.stopRequested) {
        if (signal?.aborted) {
          aborted = true;
          break;
        }
        const burstStart = performance.now();
        for (let i = 0; i < 2000; i++) {
          this.stepOnce();
          if (this.tasks.length || this.stopRequested || this.state.globalStep >= s.totalSteps) break;
          if ((i & 15) === 15 && performance.now() - burstStart > 25) break;
        }
        while (this.tasks.length) {
          await this.tasks.shift()!();
          if (this.failure) throw this.failure;
        }
        this.updateBar();
        await new Promise<void>((r) => setImmediate(r));
      }
      // A last evaluation of the final agent, unless one was just made.
      if (!aborted && s.evalEvery > 0 && this.state.lastEvalStep !== this.state.globalStep) await this.runEvaluation(this.state.globalStep);
      this.updateBar(true);
      this.bar?.stop();
      this.bar = null;
      await this.finish();
    } catch (err) {
      this.bar?.stop();
      this.bar = null;
      this.closeFiles();
      const last = this.lastCheckpoint;
      const where = last ? `the last good checkpoint is ${last.dir} (step ${last.step})` : 'no checkpoint was written';
      throw new TrainingError(`training stopped at env step ${this.state.globalStep}: ${(err as Error)?.message ?? String(err)}; ${where}`, err, last);
    } finally {
      this.stepSubject.complete();
      this.metricsSubject.complete();
      this.evalSubject.complete();
    }
    return {
      algo: this.algo,
      envId: this.envId,
      outDir: this.outDir,
      backend: this.backend,
      steps: this.state.globalStep,
      episodes: this.state.episodes,
      evals: [...this.evals],
      solvedAtStep: this.state.solvedAtStep,
      bestMeanReturn: this.state.bestMeanReturn,
      wallSeconds: this.elapsed(),
      stoppedEarly: this.stopRequested && this.state.globalStep < s.totalSteps,
      aborted,
      agent: this.agent,
    };
  }

  private closeFiles(): void {
    if (this.metricsFd !== null) closeSync(this.metricsFd);
    if (this.evalFd !== null) closeSync(this.evalFd);
    this.metricsFd = null;
    this.evalFd = null;
  }

  private async finish(): Promise<void> {
    this.closeFiles();
    if (!this.outDir) return;
    await this.agent.save(join(this.outDir, 'model'));
    const curve = readCurveData(this.outDir, `${this.algo} ${this.envId ?? ''}`.trim(), this.state.globalStep);
    writeCurvePng(join(this.outDir, 'curve.png'), curve);
    writeJsonFile(join(this.outDir, 'summary.json'), {
      steps: this.state.globalStep,
      episodes: this.state.episodes,
      solvedAtStep: this.state.solvedAtStep,
      bestMeanReturn: this.state.bestMeanReturn,
      lastEval: this.evals[this.evals.length - 1] ?? null,
      wallSeconds: this.elapsed(),
      backend: this.backend,
    });
    this.options.log(`wrote ${join(this.outDir, 'model')}, ${join(this.outDir, 'curve.png')}, metrics.jsonl and eval.jsonl`);
  }
}

// ---------------------------------------------------------------------------------- files

function writeLine(fd: number, value: unknown): number {
  const buf = Buffer.from(`${JSON.stringify(value)}\n`);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  return buf.length;
}

/** Opens a JSONL file for appending after cutting it to `bytes` (what the checkpoint recorded). */
function openAppend(path: string, bytes: number): number {
  if (existsSync(path)) {
    if (statSync(path).size < bytes) throw new CheckpointError(`${path} is shorter than the checkpoint recorded (${bytes} bytes)`);
    truncateSync(path, bytes);
  } else if (bytes > 0) {
    throw new CheckpointError(`${path} is missing but the checkpoint recorded ${bytes} bytes of it`);
  }
  return openSync(path, 'a');
}

/** Reads a JSONL file (skipping a torn last line). */
export function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      /* a line cut by a kill */
    }
  }
  return out;
}

/** The learning-curve data of a run directory. */
export function readCurveData(outDir: string, title: string, totalSteps?: number): CurveData {
  const metrics = readJsonl<MetricsRecord>(join(outDir, 'metrics.jsonl'));
  const evals = readJsonl<EvalRecord>(join(outDir, 'eval.jsonl'));
  return {
    title,
    episodes: metrics.filter((m) => m.kind === 'episode').map((m) => ({ step: m.step, return: m['return'] as number })),
    evals: evals.map((e) => ({ step: e.step, meanReturn: e.meanReturn, stdReturn: e.stdReturn })),
    ...(totalSteps === undefined ? {} : { totalSteps }),
  };
}

function actionToJson(a: unknown): number | number[] {
  if (typeof a === 'number') return a;
  if (ArrayBuffer.isView(a)) return Array.from(a as Float32Array);
  if (Array.isArray(a)) return a.map(Number);
  throw new TypeError(`cannot record action ${String(a)}`);
}

function actionFromJson(a: number | number[], like: unknown): unknown {
  if (typeof a === 'number') return a;
  return like instanceof Float64Array ? Float64Array.from(a) : Float32Array.from(a);
}

// ------------------------------------------------------------------------------- building a run

interface EnvPlan {
  id: string | null;
  kwargs: Record<string, unknown>;
  /** A fresh (raw) env; null when the caller gave one instance. */
  factory: (() => Env) | null;
  instance: Env | null;
}

async function planEnv(source: EnvSource, kwargs: Record<string, unknown>): Promise<EnvPlan> {
  if (typeof source === 'string') {
    await makeAsync(source, kwargs); // loads a module-path entry point once (and checks the id)
    return { id: source, kwargs, factory: () => make(source, kwargs), instance: null };
  }
  if (typeof source === 'function') {
    const f = source as (k?: Record<string, unknown>) => Env;
    return { id: null, kwargs, factory: () => f(kwargs), instance: null };
  }
  if (source && typeof source === 'object' && typeof (source as Env).step === 'function') {
    return { id: source.spec?.id ?? null, kwargs, factory: null, instance: source };
  }
  throw new TypeError('train: env must be an env id, an Env or a factory function');
}

function resolveSettings(presetTrain: Partial<TrainSettings>, opts: Partial<TrainSettings> & { logEvery?: number }): TrainSettings & { logEvery: number } {
  const pick = <K extends keyof TrainSettings>(k: K): TrainSettings[K] =>
    (opts[k] !== undefined ? opts[k] : presetTrain[k] !== undefined ? presetTrain[k] : defaultTrainSettings[k]) as TrainSettings[K];
  const s = {
    totalSteps: pick('totalSteps'),
    evalEvery: pick('evalEvery'),
    evalEpisodes: pick('evalEpisodes'),
    checkpointEvery: pick('checkpointEvery'),
    stopAtReturn: pick('stopAtReturn'),
    logEvery: opts.logEvery ?? 1000,
  };
  for (const k of ['totalSteps', 'evalEpisodes', 'logEvery'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new RangeError(`train: ${k} must be a positive integer, got ${String(s[k])}`);
  }
  for (const k of ['evalEvery', 'checkpointEvery'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) throw new RangeError(`train: ${k} must be a non-negative integer, got ${String(s[k])}`);
  }
  if (s.stopAtReturn !== null && typeof s.stopAtReturn !== 'number') throw new TypeError('train: stopAtReturn must be a number or null');
  return s;
}

function freshLoopState(settings: TrainSettings, numEnvs: number, seed: number): LoopState {
  return {
    globalStep: 0,
    episodes: 0,
    nextEvalAt: settings.evalEvery,
    nextCheckpointAt: settings.checkpointEvery,
    lastEvalStep: -1,
    bestMeanReturn: null,
    solvedAtStep: null,
    envs: Array.from({ length: numEnvs }, (_, e) => ({ replay: { resetSeed: seed + e, rngBefore: null, actions: [] }, episodeReturn: 0, episodeLength: 0 })),
    agg: { sums: {}, counts: {} },
    metricsBytes: 0,
    evalBytes: 0,
    recentReturns: [],
    elapsedSeconds: 0,
  };
}

/** Brings a fresh env to the state a replay record describes; returns its current observation. */
function replayEnv(env: Env, replay: EnvReplay, fallbackSeed: number): unknown {
  let obs: unknown;
  if (replay.resetSeed !== null) obs = env.reset({ seed: replay.resetSeed }).observation;
  else {
    env.reset({ seed: fallbackSeed });
    if (!replay.rngBefore) throw new CheckpointError('checkpoint: env replay has neither a seed nor RNG states');
    setEnvRngStates(env, replay.rngBefore as RngState[]);
    obs = env.reset().observation;
  }
  for (const a of replay.actions) {
    const r = env.step(actionFromJson(a, null));
    obs = r.observation;
    if (r.terminated || r.truncated) throw new CheckpointError('checkpoint: replaying the env ended its episode early (is the env deterministic given its seed?)');
  }
  return copyObservation(obs);
}

function resolveAlgoConfig(algo: string, preset: string | undefined, config: Record<string, unknown> | undefined, sets: string[] | undefined): {
  config: Record<string, unknown>;
  presetTrain: Partial<TrainSettings>;
  presetEnv: string | undefined;
  presetEnvKwargs: Record<string, unknown> | undefined;
} {
  const entry = getAlgorithm(algo);
  const p = preset ? getPreset(algo, preset) : null;
  let resolved = mergeConfig(entry.defaults as Record<string, unknown>, p?.config ?? {});
  if (config) {
    const known = new Set(Object.keys(resolved));
    for (const k of Object.keys(config)) if (!known.has(k)) throw new Error(`unknown config key '${k}' for ${algo}; known keys: ${[...known].join(', ')}`);
    resolved = mergeConfig(resolved, config);
  }
  if (sets?.length) resolved = applyOverrides(resolved, sets, algo);
  return { config: resolved, presetTrain: p?.train ?? {}, presetEnv: p?.env, presetEnvKwargs: p?.envKwargs };
}

interface RunSetup {
  algo: string;
  config: Record<string, unknown>;
  settings: TrainSettings & { logEvery: number };
  seed: number;
  plan: EnvPlan;
  evalPlan: EnvPlan | null;
  outDir: string | null;
  backendName: BackendName | undefined;
  resume: { checkpoint: CheckpointInfo } | null;
  preset: string | null;
  imports: string[];
}

async function buildRun(setup: RunSetup, opts: TrainOptions): Promise<TrainingRun> {
  const log = opts.log ?? (() => {});
  const backend = await selectBackend(setup.backendName);
  log(`pixelgym: tfjs back end '${backend}'`);
  const entry = getAlgorithm(setup.algo);
  const preprocess = (setup.config['preprocess'] as PreprocessSpec | undefined) ?? undefined;
  const wrap = (env: Env): Env => applyPreprocess(env, preprocess);
  const plan = setup.plan;
  const probe = plan.instance ? wrap(plan.instance) : wrap(plan.factory!());
  const envInfo = { observationSpace: probe.observationSpace, actionSpace: probe.actionSpace, ...(plan.id ? { id: plan.id } : {}) };
  const agent = entry.create(envInfo, setup.config, setup.seed);
  const numEnvs = agent.numEnvs;
  if (numEnvs > 1 && !plan.factory) throw new Error(`${setup.algo} runs ${numEnvs} envs: pass an env id or a factory, not one Env instance`);
  const envs: Env[] = [probe];
  for (let e = 1; e < numEnvs; e++) envs.push(wrap(plan.factory!()));
  const evalSource = setup.evalPlan?.factory ?? plan.factory;
  const evalEnv = evalSource ? () => wrap(evalSource()) : null;
  let state: LoopState;
  let evals: EvalRecord[] = [];
  let lastCheckpoint: CheckpointInfo | null = null;
  if (setup.resume) {
    const ck = setup.resume.checkpoint;
    state = readJsonFile<LoopState>(join(ck.dir, 'loop.json'), `checkpoint ${ck.dir}`);
    if (!Array.isArray(state.envs) || state.envs.length !== numEnvs) throw new CheckpointError(`checkpoint ${ck.dir} is corrupt: loop.json does not describe ${numEnvs} envs`);
    await agent.loadState(join(ck.dir, 'agent'));
    lastCheckpoint = ck;
    if (setup.outDir) evals = readJsonl<EvalRecord>(join(setup.outDir, 'eval.jsonl')).filter((e) => e.step <= state.globalStep);
    log(`pixelgym: resuming from ${ck.dir} at env step ${state.globalStep}`);
  } else {
    state = freshLoopState(setup.settings, numEnvs, setup.seed);
  }
  const current = envs.map((env, e) => replayEnv(env, state.envs[e]!.replay, setup.seed + e));
  const rewardThreshold = plan.id ? (probe.spec?.rewardThreshold ?? null) : null;
  return new TrainingRun(
    {
      agent,
      algo: setup.algo,
      envId: plan.id,
      envs,
      current,
      evalEnv,
      outDir: setup.outDir,
      backend,
      settings: setup.settings,
      seed: setup.seed,
      state,
      lastCheckpoint,
      evals,
    },
    { progress: opts.progress ?? false, ...(opts.signal ? { signal: opts.signal } : {}), log, rewardThreshold },
  );
}

/** Sets up a run (back end, envs, agent, run directory) without starting it. */
export async function createRun(opts: TrainOptions): Promise<TrainingRun> {
  if (!opts || typeof opts.algo !== 'string') throw new TypeError('train: options.algo is required');
  getAlgorithm(opts.algo);
  for (const m of opts.imports ?? []) await importModule(m);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new TypeError(`train: seed must be an integer, got ${String(opts.seed)}`);
  const resolved = resolveAlgoConfig(opts.algo, opts.preset, opts.config, opts.set);
  const { presetTrain, presetEnv, presetEnvKwargs } = resolved;
  // A pretrained encoder named by a directory is loaded here (relative paths from the working directory).
  const config = await loadEncoderSources(resolved.config);
  const source = opts.env ?? presetEnv;
  if (source === undefined) throw new Error(`train: no env given${opts.preset ? ` and preset '${opts.preset}' names none` : ''}`);
  const envKwargs = opts.envKwargs ?? (typeof source === 'string' && source === presetEnv ? (presetEnvKwargs ?? {}) : {});
  const plan = await planEnv(source, envKwargs);
  const evalPlan = opts.evalEnv !== undefined ? await planEnv(opts.evalEnv, envKwargs) : null;
  const settings = resolveSettings(presetTrain, {
    ...(opts.totalSteps !== undefined ? { totalSteps: opts.totalSteps } : {}),
    ...(opts.evalEvery !== undefined ? { evalEvery: opts.evalEvery } : {}),
    ...(opts.evalEpisodes !== undefined ? { evalEpisodes: opts.evalEpisodes } : {}),
    ...(opts.checkpointEvery !== undefined ? { checkpointEvery: opts.checkpointEvery } : {}),
    ...(opts.stopAtReturn !== undefined ? { stopAtReturn: opts.stopAtReturn } : {}),
    ...(opts.logEvery !== undefined ? { logEvery: opts.logEvery } : {}),
  });
  const outDir = opts.out ? resolve(opts.out) : null;
  const imports = (opts.imports ?? []).map((m) => (m.startsWith('.') || isAbsolute(m) ? resolve(m) : m));
  if (outDir) {
    if (existsSync(join(outDir, 'checkpoints', 'latest.json')) || existsSync(join(outDir, 'metrics.jsonl'))) {
      throw new Error(`${outDir} already holds a run; use --resume ${opts.out} to continue it, or another --out`);
    }
    mkdirSync(outDir, { recursive: true });
  }
  const run = await buildRun({ algo: opts.algo, config, settings, seed, plan, evalPlan, outDir, backendName: opts.backend, resume: null, preset: opts.preset ?? null, imports }, opts);
  if (outDir) {
    const file: RunConfigFile = {
      format: 1,
      algo: opts.algo,
      env: plan.id,
      envKwargs,
      preset: opts.preset ?? null,
      seed,
      // Pretrained encoders are saved into the run directory, so resuming does not depend on where they came from.
      config: await saveEncoderSources(config, outDir),
      settings,
      backend: run.backend,
      imports,
      createdAt: new Date().toISOString(),
    };
    writeJsonFile(join(outDir, 'config.json'), file);
  }
  return run;
}

/** Reads a run directory's config.json. */
export function readRunConfig(dir: string): RunConfigFile {
  const file = readJsonFile<RunConfigFile>(join(dir, 'config.json'), `run ${dir}`);
  if (file.format !== 1 || typeof file.algo !== 'string' || typeof file.config !== 'object' || !file.settings)
    throw new Error(`${join(dir, 'config.json')} is not a pixelgym run config`);
  return file;
}

export interface ResumeOptions {
  progress?: boolean;
  signal?: AbortSignal;
  /** Default: the back end the run was started with. */
  backend?: BackendName;
  watch?: (run: TrainingRun) => void | Promise<void>;
  log?: (line: string) => void;
  /** The env (or factory) when the run was not made from an env id. */
  env?: EnvSource;
  /** Change the step budget of the resumed run. */
  totalSteps?: number;
}

/** Continues the run in `dir` from its latest checkpoint. */
export async function createResumedRun(dir: string, opts: ResumeOptions = {}): Promise<TrainingRun> {
  const outDir = resolve(dir);
  const file = readRunConfig(outDir);
  for (const m of file.imports ?? []) await importModule(m);
  const checkpoint = latestCheckpoint(join(outDir, 'checkpoints'));
  if (!checkpoint) throw new CheckpointError(`${outDir} has no checkpoint to resume from (checkpointEvery was ${file.settings.checkpointEvery})`);
  const source = opts.env ?? file.env;
  if (source === null || source === undefined) throw new Error(`run ${outDir} was not made from an env id: pass the env to resume it`);
  const plan = await planEnv(source, file.envKwargs ?? {});
  const settings = { ...file.settings, ...(opts.totalSteps !== undefined ? { totalSteps: opts.totalSteps } : {}) };
  const trainOpts: TrainOptions = { algo: file.algo, ...(opts.log ? { log: opts.log } : {}), ...(opts.signal ? { signal: opts.signal } : {}), progress: opts.progress ?? false };
  return buildRun(
    {
      algo: file.algo,
      config: await loadEncoderSources(file.config, outDir),
      settings,
      seed: file.seed,
      plan,
      evalPlan: null,
      outDir,
      backendName: opts.backend ?? (file.backend as BackendName),
      resume: { checkpoint },
      preset: file.preset,
      imports: file.imports ?? [],
    },
    trainOpts,
  );
}

/** Trains an agent: `createRun`, the `watch` hook, `start`. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const run = await createRun(opts);
  if (opts.watch) await opts.watch(run);
  return run.start();
}

/** Continues a killed or stopped run from its last checkpoint. */
export async function resumeTraining(dir: string, opts: ResumeOptions = {}): Promise<TrainResult> {
  const run = await createResumedRun(dir, opts);
  if (opts.watch) await opts.watch(run);
  return run.start();
}

/** Writes a GIF of one greedy episode of a saved agent in its env (RecordVideo). */
export function recordEpisodeGif(
  env: Env,
  agent: { act(o: unknown, opts?: { explore?: boolean }): unknown; resetEpisode?(): void },
  path: string,
  seed = 0,
  scale?: number,
): string {
  if (scale === undefined) {
    // Small frames (84×84 pixel games) are scaled up to about 256 pixels; large ones are kept.
    env.reset({ seed });
    const f = env.render();
    scale = f ? Math.max(1, Math.floor(256 / Math.max(f.width, f.height))) : 1;
  }
  const dir = resolve(path, '..');
  const name = path.replace(/^.*[\\/]/, '').replace(/\.gif$/i, '');
  const rec = new RecordVideo(env, { folder: dir, namePrefix: name, episodeTrigger: () => true, scale });
  let { observation } = rec.reset({ seed });
  agent.resetEpisode?.();
  for (let t = 0; t < 100_000; t++) {
    const r = rec.step(agent.act(observation, { explore: false }));
    observation = r.observation;
    if (r.terminated || r.truncated) break;
  }
  rec.close();
  const written = rec.written[0];
  if (!written) throw new Error('recordEpisodeGif: no GIF was written (does the env render?)');
  const target = resolve(path);
  if (resolve(written) !== target) renameSync(written, target);
  return target;
}
