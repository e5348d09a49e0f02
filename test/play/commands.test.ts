// The `watch` and `play` subcommands of the built CLI (test/globalSetup.ts builds dist/ and the viewer).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { train } from '../../agents/train.js';
import { loadDemonstrations } from '../../play/demos.js';
import { RawClient } from './rawClient.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'play', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'pixelgym-play-cli-'));
const children: ChildProcess[] = [];
const clients: RawClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exit: Promise<{ code: number | null; stderr: string; stdout: string }>;
}

/** Starts the CLI and waits for the URL it prints. */
function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr: err, stdout: out })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed in 60 s; stderr: ${err}`)), 60_000);
    const poll = setInterval(() => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout: () => out, exit });
      }
    }, 20);
    void exit.then((r) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited ${r.code} before printing a URL: ${r.stderr}`));
    });
  });
}

async function connect(url: string): Promise<RawClient> {
  const c = await RawClient.open(url);
  clients.push(c);
  return c;
}

describe('pixelgym watch / play', () => {
  it('watch --env: a random agent plays at once; Ctrl+C stops the server cleanly', async () => {
    const r = await start(['watch', '--env', 'Catch-v0', '--seed', '1', '--speed', '50']);
    const c = await connect(r.url);
    await c.waitFor(() => c.steps().length >= 5, 20_000, 'steps');
    expect(c.of('hello')[0]).toMatchObject({ mode: 'watch', envId: 'Catch-v0', title: 'Catch-v0 · random agent', stepsPerSecond: 50 });
    r.child.kill('SIGINT');
    const done = await r.exit;
    expect(done.code, done.stderr).toBe(0);
  });

  it("watch <run dir>: the trained agent's Q-values and the run's learning curve", async () => {
    const out = join(tmp, 'run');
    await train({ algo: 'qlearning', env: 'FrozenLake-v1', totalSteps: 3000, logEvery: 500, evalEvery: 1500, evalEpisodes: 2, out, seed: 0 });
    const r = await start(['watch', out, '--seed', '0', '--speed', '100']);
    const c = await connect(r.url);
    await c.waitFor(() => c.steps().length >= 3 && c.of('metrics').some((m) => m.points.length > 0), 20_000, 'steps and the curve');
    expect(c.of('hello')[0]).toMatchObject({ envId: 'FrozenLake-v1', actionNames: ['left', 'down', 'right', 'up'] });
    const s = c.steps().at(-1)!;
    expect(s.qValues).toHaveLength(4);
    expect(s.greedyAction).toBe(s.qValues!.indexOf(Math.max(...s.qValues!)));
    const points = c.of('metrics').flatMap((m) => m.points);
    expect(points.some((p) => typeof p.values.return === 'number')).toBe(true);
    r.child.kill('SIGINT');
    expect((await r.exit).code).toBe(0);
  });

  it('play --record: the held key drives the env; the recording is saved on exit', async () => {
    const file = join(tmp, 'catch.demo');
    const r = await start(['play', '--env', 'Catch-v0', '--fps', '60', '--seed', '3', '--record', file]);
    const c = await connect(r.url);
    await c.waitFor(() => c.of('hello').length === 1, 10_000, 'hello');
    expect(c.of('hello')[0]!.keys).toEqual(['ArrowLeft', 'ArrowRight']);
    c.send({ type: 'keydown', code: 'ArrowRight' });
    await c.waitFor(() => c.of('episode').length >= 2, 20_000, 'two episodes');
    r.child.kill('SIGINT');
    const done = await r.exit;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/recorded \d+ episodes, \d+ steps to /);
    const d = loadDemonstrations(file);
    expect(d.envId).toBe('Catch-v0');
    expect(d.episodes.length).toBeGreaterThanOrEqual(2);
    // The second episode was played entirely with ArrowRight held.
    expect(Array.from(d.episodes[1]!.actions)).toEqual(new Array(9).fill(2));
  });

  it('watch <a2c run dir> --explain saliency --explain-every 3: overlays of the policy on every 3rd frame', async () => {
    const out = join(tmp, 'a2c-run');
    const r0 = await train({
      algo: 'a2c',
      env: 'Catch-v0',
      config: {
        numEnvs: 2,
        nSteps: 5,
        network: { type: 'smallCnn', filters: [4], kernelSizes: [2], strides: [2], hidden: 16 },
        preprocess: { grayscale: true, resize: [20, 10], frameSkip: 1, frameStack: 1, clipReward: false },
      },
      totalSteps: 40,
      evalEvery: 0,
      checkpointEvery: 0,
      seed: 3,
      out,
      backend: 'wasm',
    });
    r0.agent.dispose?.();
    const r = await start(['watch', out, '--explain', 'saliency', '--explain-every', '3', '--seed', '0', '--speed', '60', '--backend', 'wasm']);
    const c = await connect(r.url);
    const overlays = () => c.binaries.filter((b) => b.kind === 'overlay');
    await c.waitFor(() => overlays().length >= 4, 30_000, 'four overlays');
    const seqs = overlays().map((o) => o.seq);
    for (let i = 2; i < seqs.length; i++) expect(seqs[i]! - seqs[i - 1]!).toBe(3);
    for (const o of overlays()) {
      const frame = c.binaries.find((b) => b.kind === 'frame' && b.seq === o.seq)!;
      expect([o.width, o.height]).toEqual([frame.width, frame.height]);
      const v = (o as { values: Float32Array }).values;
      expect(Math.min(...v)).toBe(0);
      expect(Math.max(...v)).toBeCloseTo(1, 6);
    }
    expect(c.steps().at(-1)!.probs).toHaveLength(3);
    r.child.kill('SIGINT');
    expect((await r.exit).code).toBe(0);
  }, 120_000);

  it('train --watch --explain attention --explain-every 2: overlays of the learning agent on a training run', async () => {
    const out = join(tmp, 'dqn-watched');
    const child = spawn(
      process.execPath,
      [cli, 'train', 'dqn', '--preset', 'catch', '--steps', '100000', '--stop-at', '2', '--no-progress', '--out', out, '--backend', 'wasm', '--watch', '--explain', 'attention', '--explain-every', '2'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = performance.now();
    let url: string | null = null;
    while (!url && performance.now() - started < 60_000 && child.exitCode === null) {
      url = /watching at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err)?.[1] ?? null;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(url, `no URL printed; stderr: ${err}`).not.toBeNull();
    const c = await connect(url!);
    const overlays = () => c.binaries.filter((b) => b.kind === 'overlay');
    await c.waitFor(() => overlays().length >= 4, 60_000, 'four overlays');
    const seqs = overlays().map((o) => o.seq);
    for (let i = 2; i < seqs.length; i++) expect(seqs[i]! - seqs[i - 1]!).toBe(2);
    for (const o of overlays()) {
      const v = (o as { values: Float32Array }).values;
      expect(v.length).toBe(o.width * o.height);
      expect(v.every((x) => Number.isFinite(x) && x >= 0 && x <= 1)).toBe(true);
    }
    // The first SIGINT stops the run gracefully: it writes its model, closes the viewer and exits.
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(existsSync(join(out, 'model'))).toBe(true);
  }, 150_000);

  it('train --explain without --watch fails before creating anything', async () => {
    const out = join(tmp, 'never-created');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'train', 'dqn', '--preset', 'catch', '--out', out, '--explain', 'saliency'], { cwd: root });
      let e = '';
      child.stderr.on('data', (d: Buffer) => (e += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr: e }));
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--explain and --explain-every need --watch/);
    expect(existsSync(out)).toBe(false);
  });

  it('bad arguments fail with a clear message', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, ...args], { cwd: root });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr: err }));
      });
    const none = await run(['watch']);
    expect([none.code, /give a run directory, --agent DIR, or --env ID/.test(none.stderr)]).toEqual([1, true]);
    const fps = await run(['play', '--env', 'Catch-v0', '--fps', '0']);
    expect(fps.code).not.toBe(0);
    expect(fps.stderr).toMatch(/--fps must be a number in 0.1..10000/);
    const every = await run(['watch', '--env', 'Catch-v0', '--explain', 'saliency', '--explain-every', '0']);
    expect(every.code).not.toBe(0);
    expect(every.stderr).toMatch(/--explain-every must be 'auto' or an integer in 1..1000000/);
    const random = await run(['watch', '--env', 'Catch-v0', '--explain', 'saliency']);
    expect(random.code).toBe(1);
    expect(random.stderr).toMatch(/--explain needs a trained agent/);
    const nokeys = await run(['watch', join(tmp, 'no-such-run')]);
    expect(nokeys.code).toBe(1);
    expect(nokeys.stderr).toMatch(/does not exist/);
  });
});
