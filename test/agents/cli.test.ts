// The train / eval CLI, run as a user would: `node dist/play/cli.js ...` (dist is built by globalSetup).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'play', 'cli.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'pixelgym-cli-'));
const env = { ...process.env, PIXELGYM_BACKEND: 'wasm' };

function run(args: string[], timeout = 600_000) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((res) => p.on('exit', (code, signal) => res({ code, signal })));
}

function jsonl(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(({ time: _t, fps: _f, ...rest }) => rest);
}

function pointerStep(dir: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, 'checkpoints', 'latest.json'), 'utf8')) as { step: number }).step;
  } catch {
    return -1;
  }
}

describe('pixelgym train / eval', () => {
  it(
    'a run killed with SIGKILL resumes from its last checkpoint and reproduces the uninterrupted run',
    async () => {
      const args = (out: string) => [
        'train', 'dqn', '--env', 'CartPole-v1', '--preset', 'cartpole', '--steps', '2400', '--seed', '2',
        '--set', 'learningStarts=300', '--checkpoint-every', '500', '--eval-every', '600', '--eval-episodes', '3',
        '--no-progress', '--out', out,
      ];
      const a = tmp();
      const b = tmp();
      const full = start(args(a));
      const killed = start(args(b));
      const killedExit = exited(killed);
      // Kill B once it has a checkpoint past the first one (so it is mid-run, with replay and optimizer state).
      for (;;) {
        if (pointerStep(b) >= 1000 || killed.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      killed.kill('SIGKILL');
      const k = await killedExit;
      expect(k.signal).toBe('SIGKILL');
      expect(existsSync(join(b, 'model'))).toBe(false);
      const f = await exited(full);
      expect(f.code).toBe(0);
      const resumed = run(['train', '--resume', b, '--no-progress']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(/resuming from .*ckpt-\d+ at env step \d+/);
      expect(resumed.stderr).toMatch(/tfjs back end 'wasm'/);
      expect(jsonl(join(b, 'metrics.jsonl'))).toEqual(jsonl(join(a, 'metrics.jsonl')));
      expect(jsonl(join(b, 'eval.jsonl'))).toEqual(jsonl(join(a, 'eval.jsonl')));
    },
    900_000,
  );

  it(
    'trains on a user env from a plain JS module (--import), then evaluates it (--json, --gif)',
    () => {
      const out = tmp();
      const t = run(['--import', './test/fixtures/agents/corridorEnv.js', 'train', 'reinforce', '--env', 'User/Corridor-v0', '--steps', '3000', '--eval-every', '1000', '--seed', '1', '--out', out, '--no-progress']);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toMatch(/trained reinforce on User\/Corridor-v0: 3000 env steps/);
      // eval finds the env through the imports recorded in config.json.
      const gif = join(out, 'episode.gif');
      const e = run(['eval', out, '--episodes', '5', '--json', '--gif', gif]);
      expect(e.code, e.stderr).toBe(0);
      const result = JSON.parse(e.stdout) as { meanReturn: number; stdReturn: number; episodes: number };
      expect(result.episodes).toBe(5);
      expect(result.meanReturn).toBeGreaterThan(0.8);
      expect(typeof result.stdReturn).toBe('number');
      expect(readFileSync(gif).subarray(0, 6).toString()).toBe('GIF89a');
      const text = run(['eval', out, '--episodes', '3']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^reinforce on User\/Corridor-v0: -?\d+\.\d\d ± \d+\.\d\d over 3 episodes/);
    },
    600_000,
  );

  it('a NaN reward exits non-zero with a clear message and keeps the last good checkpoint', () => {
    const out = tmp();
    const r = run(['--import', './test/fixtures/agents/badEnvs.js', 'train', 'dqn', '--env', 'Test/NanReward-v0', '--steps', '1000', '--set', 'learningStarts=50', '--checkpoint-every', '100', '--out', out, '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pixelgym: training stopped at env step 300: env Test\/NanReward-v0 #0 returned reward NaN at env step 301/);
    expect(r.stderr).toMatch(/the last good checkpoint is .*ckpt-0000000300 \(step 300\)/);
    expect(pointerStep(out)).toBe(300);
  }, 300_000);

  it('pixelgym start trains DQN on Catch pixels and writes the model, GIF and curve into its run directory', () => {
    const out = join(tmp(), 'start');
    const r = run(['start', '--out', out, '--steps', '600', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/DQN on Catch-v0 \(pixels\): 600 env steps/);
    expect(r.stdout).toMatch(/evaluation: mean return -?\d\.\d\d ± \d\.\d\d over 100 greedy episodes/);
    expect(readFileSync(join(out, 'episode.gif')).subarray(0, 6).toString()).toBe('GIF89a');
    expect(readFileSync(join(out, 'curve.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(out, 'model', 'agent.json'))).toBe(true);
  }, 600_000);

  it('bad inputs: unknown algorithm, unknown --set key, a run dir without a model', () => {
    const a = run(['train', 'ppo', '--env', 'CartPole-v1']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/unknown algorithm 'ppo'; known: a2c, dqn, qlearning, reinforce/);
    const b = run(['train', 'dqn', '--env', 'CartPole-v1', '--set', 'gama=0.9', '--out', tmp()]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/unknown config key 'gama' for dqn/);
    const c = run(['eval', tmp()]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/neither a run directory \(config.json\) nor a saved agent \(agent.json\)/);
    const d = run(['train', '--list-presets']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/dqn\.cartpole\tCartPole-v1/);
    expect(d.stdout).toMatch(/a2c\.pendulum\tPendulum-v1/);
  }, 300_000);
});
