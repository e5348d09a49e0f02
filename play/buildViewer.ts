// Bundles the browser viewer (play/viewer/main.ts with pixi.js and rxjs) with esbuild into
// dist/play/viewer/, beside its index.html and style.css. `node dist/play/buildViewer.js` runs it
// (part of `npm run build`); test/globalSetup.ts runs it before the suite.
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether this runs from play/ (sources) or dist/play/ (the build). */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const parts = here.split(sep);
  const inDist = parts.slice(-2).join('/') === 'dist/play';
  return inDist ? join(here, '..', '..') : join(here, '..');
}

export interface BuildViewerOptions {
  /** Where the bundle goes (default <repo>/dist/play/viewer). */
  outDir?: string;
  /** Minify the bundle (default true). */
  minify?: boolean;
}

export interface BuildViewerResult {
  outDir: string;
  /** Files written (those whose content changed). */
  files: string[];
  bundleBytes: number;
}

/** Builds the viewer; `files` lists the files that changed. */
export async function buildViewer(options: BuildViewerOptions = {}): Promise<BuildViewerResult> {
  const root = repoRoot();
  const src = join(root, 'play', 'viewer');
  const outDir = options.outDir ?? join(root, 'dist', 'play', 'viewer');
  mkdirSync(outDir, { recursive: true });
  // esbuild is a build-time dependency: load it only when building.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(src, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: 'external',
    write: false,
    outfile: join(outDir, 'viewer.js'),
    logLevel: 'error',
    legalComments: 'eof',
  });
  const written: string[] = [];
  let bundleBytes = 0;
  const outputs = [
    ...result.outputFiles.map((f) => ({ path: f.path, contents: f.contents })),
    ...['index.html', 'style.css'].map((name) => ({ path: join(outDir, name), contents: readFileSync(join(src, name)) })),
  ];
  for (const f of outputs) {
    if (replaceIfChanged(f.path, f.contents)) written.push(f.path);
    if (f.path.endsWith('viewer.js')) bundleBytes = f.contents.length;
  }
  return { outDir, files: written, bundleBytes };
}

/**
 * Writes a file by rename only when its content changed: servers and test runs may be reading
 * the viewer at the same moment, and must never see half a file.
 */
function replaceIfChanged(path: string, contents: Uint8Array): boolean {
  try {
    if (Buffer.compare(readFileSync(path), contents) === 0) return false;
  } catch {
    /* missing: write it */
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
  return true;
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  buildViewer()
    .then((r) => process.stdout.write(`viewer bundled into ${r.outDir} (${(r.bundleBytes / 1024).toFixed(0)} KiB)\n`))
    .catch((err: unknown) => {
      process.stderr.write(`buildViewer: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
