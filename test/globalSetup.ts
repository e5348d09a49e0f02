// Some tests run built JS (worker_threads, the CLI): transpile the sources into dist/ before the
// suite so they run current code. esbuild takes well under a second where tsc takes tens; types are
// checked by `npm run typecheck` / test/typecheck.test.ts, and `npm run build` (tsc) makes the
// published build with declarations.
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  const result = await build({
    entryPoints,
    outdir: join(root, 'dist'),
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    bundle: false,
    write: false,
    logLevel: 'error',
  });
  // Other test runs may be importing dist/ right now: replace only files whose content changed,
  // each by an atomic rename, so nobody reads a half-written module.
  for (const f of result.outputFiles) {
    let same = false;
    try {
      same = Buffer.compare(readFileSync(f.path), f.contents) === 0;
    } catch {
      same = false;
    }
    if (same) continue;
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  // The browser viewer bundle (pixi.js), so the viewer's browser tests (test/play) load current code.
  await (await import('../play/buildViewer.js')).buildViewer({ outDir: join(root, 'dist', 'play', 'viewer') });
}
