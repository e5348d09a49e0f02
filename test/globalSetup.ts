// Some tests run built JS (worker_threads, the CLI): transpile the sources into dist/ before the
// suite so they run current code. esbuild takes well under a second where tsc takes tens; types are
// checked by `npm run typecheck` / test/typecheck.test.ts, and `npm run build` (tsc) makes the
// published build with declarations.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SOURCE_DIRS = ['envs', 'agents', 'replay', 'nets', 'play', 'bench'];

function tsFiles(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'viewer' && name !== 'results' && name !== 'node_modules') tsFiles(p, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const entryPoints = SOURCE_DIRS.flatMap((d) => tsFiles(join(root, d), []));
  await build({
    entryPoints,
    outdir: join(root, 'dist'),
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    bundle: false,
    logLevel: 'error',
  });
}
