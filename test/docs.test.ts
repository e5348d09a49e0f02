// The README's examples live in docs/examples as plain ESM files a user can run with node; run
// each and check what it prints, so the documentation cannot drift from the code.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [`docs/examples/${name}`], { cwd: root, timeout: 120_000 });
  return stdout;
}

describe('docs/examples', () => {
  it('01-cartpole runs an episode and renders', async () => {
    const out = await example('01-cartpole.mjs');
    expect(out).toMatch(/Box\(\[-4\.8, -3\.402823e\+38, -0\.418879, -3\.402823e\+38\]/);
    expect(out).toMatch(/return \d+/);
    expect(out).toContain('frame 600x400');
  });

  it('02-own-env registers a plain-JS env, checks it, and rejects a bad action', async () => {
    const out = await example('02-own-env.mjs');
    expect(out).toMatch(/\d+ checks passed/);
    expect(out).toContain('action 7 is outside the action space Discrete(2)');
  });

  it('03-streams shares one run between two subscribers', async () => {
    const out = await example('03-streams.mjs');
    expect(out.match(/^episode \d: return/gm)?.length).toBe(5);
    expect(out.match(/an episode ended at global step/g)?.length).toBe(5);
    expect(out.trim().endsWith('done')).toBe(true);
  });

  it('04-vector steps four CartPoles in worker threads', async () => {
    const out = await example('04-vector.mjs');
    expect(out).toContain('Float32Array 16');
    expect(Number(/episodes finished: (\d+)/.exec(out)?.[1])).toBeGreaterThan(4);
  });

  it('05-frozenlake solves the model and wins most episodes', async () => {
    const out = await example('05-frozenlake.mjs');
    expect(Number(/V\(start\) = ([\d.]+)/.exec(out)?.[1])).toBeGreaterThan(0.5);
    expect(Number(/success rate ([\d.]+)/.exec(out)?.[1])).toBeGreaterThan(0.6);
  });
});
