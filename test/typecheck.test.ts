// Tests run through esbuild, which strips types without checking them: this is where a type error
// fails the suite.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

it('the whole project type-checks under strict settings', async () => {
  let output = '';
  try {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/tsconfig.json'], { cwd: root, timeout: 300_000 });
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(output).toBe('');
}, 300_000);
