import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { make, registeredIds, spaceFromJSON, spec, type SpaceJSON } from '../../envs/index.js';

// These run the built CLI (test/globalSetup.ts builds dist/ before the suite).
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'play', 'cli.js');
const tmpRoot = mkdtempSync(join(tmpdir(), 'pixelgym-cli-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Listing {
  id: string;
  observationSpace: SpaceJSON | null;
  actionSpace: SpaceJSON | null;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  error?: string;
}

describe('pixelgym envs', () => {
  it('--json lists every registered id with its spaces as toJSON(), episode limit and threshold', () => {
    const r = run(['envs', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Listing[];
    expect(list.map((e) => e.id)).toEqual(registeredIds());
    for (const e of list) {
      expect(e.error).toBeUndefined();
      const env = make(e.id);
      expect(String(spaceFromJSON(e.observationSpace!))).toBe(String(env.observationSpace));
      expect(String(spaceFromJSON(e.actionSpace!))).toBe(String(env.actionSpace));
      expect(e.maxEpisodeSteps).toBe(spec(e.id).maxEpisodeSteps ?? null);
      expect(e.rewardThreshold).toBe(spec(e.id).rewardThreshold ?? null);
    }
  });

  // --import takes several modules, so it goes after the subcommand (before it, it would swallow 'envs').
  it('--import registers a user module first; the text table lists it', () => {
    const r = run(['envs', '--json', '--import', './test/fixtures/registerUserEnv.js']);
    expect(r.status, r.stderr).toBe(0);
    const user = (JSON.parse(r.stdout) as Listing[]).find((e) => e.id === 'User/Walk-v0');
    expect(user).toEqual({
      id: 'User/Walk-v0',
      observationSpace: { type: 'Box', low: [-4], high: [4], shape: [1], dtype: 'float32' },
      actionSpace: { type: 'Discrete', n: 2, start: 0 },
      maxEpisodeSteps: 40,
      rewardThreshold: 0.9,
    });
    const text = run(['envs', '--import', './test/fixtures/registerUserEnv.js']);
    expect(text.status, text.stderr).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+observation space\s+action space\s+max steps\s+reward threshold$/);
    expect(lines.find((l) => l.startsWith('User/Walk-v0'))).toMatch(/^User\/Walk-v0\s+Box\(-4, 4, \(1,\), float32\)\s+Discrete\(2\)\s+40\s+0\.9$/);
    expect(lines.at(-1)).toBe(`${registeredIds().length + 1} envs registered`);
  });
});

describe('pixelgym start', () => {
  // What start trains is tested in test/agents/cli.test.ts; here, that bad input fails fast.
  it('rejects a bad step count before doing anything', () => {
    const out = join(tmpRoot, 'c');
    const r = run(['start', '--steps', '0', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--steps must be a positive/);
    expect(existsSync(out)).toBe(false);
  });
});
