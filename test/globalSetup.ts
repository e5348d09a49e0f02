// Some tests run built JS (worker_threads, the CLI, the browser bundle): build once before the suite
// so dist/ matches the sources. tsc emits even with type errors; test/typecheck.test.ts is what fails on them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.json`], { stdio: 'pipe', cwd: root });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    console.warn(`[globalSetup] tsc reported errors (dist/ still emitted):\n${out.slice(0, 4000)}`);
  }
}
