// Serves the viewer's own built files and nothing else: a fixed list of names, read from the
// viewer folder after checking (through realpath) that no symlink leads out of it.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** URL path → file name in the viewer folder, and its content type. */
export const VIEWER_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/viewer.js': { file: 'viewer.js', type: 'text/javascript; charset=utf-8' },
  '/viewer.js.map': { file: 'viewer.js.map', type: 'application/json; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/**
 * dist/play/viewer, whether this module runs from dist/play/server (the build) or from
 * play/server (sources run by a TS loader, e.g. the tests).
 */
export function defaultViewerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const inDist = here.split(sep).slice(-3).join('/') === 'dist/play/server';
  return inDist ? join(here, '..', 'viewer') : join(here, '..', '..', 'dist', 'play', 'viewer');
}

/** Throws a clear error when the viewer has not been built into `dir`. */
export function checkViewerDir(dir: string): string {
  const index = join(dir, 'index.html');
  if (!existsSync(index) || !existsSync(join(dir, 'viewer.js')))
    throw new Error(`The viewer is not built: ${dir} has no index.html and viewer.js (run 'npm run build', which bundles it with 'node dist/play/buildViewer.js')`);
  return realpathSync(dir);
}

export type PathVerdict = { ok: true; path: string } | { ok: false; status: 400 | 404; reason: string };

/**
 * Classifies a request target: 400 for traversal attempts and malformed targets ('..' plain or
 * percent-encoded, backslashes, NUL, absolute-form URLs, double slashes), 404 for anything that is
 * not one of the viewer's files.
 */
export function classifyPath(target: string | undefined): PathVerdict {
  if (!target || target[0] !== '/') return { ok: false, status: 400, reason: 'request target must be an absolute path' };
  const pathPart = target.split('?', 1)[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' };
  }
  // Decode twice: '%252e%252e' must not become '..' in some later layer either.
  let twice = decoded;
  try {
    twice = decodeURIComponent(decoded);
  } catch {
    /* a literal '%' after one decoding is fine as long as no traversal follows */
  }
  for (const p of [pathPart, decoded, twice]) {
    if (p.includes('..') || p.includes('\\') || p.includes('\0') || p.startsWith('//') || /^\/[A-Za-z]:/.test(p))
      return { ok: false, status: 400, reason: 'path traversal or malformed path' };
  }
  if (!Object.prototype.hasOwnProperty.call(VIEWER_FILES, pathPart)) return { ok: false, status: 404, reason: 'not a viewer file' };
  return { ok: true, path: pathPart };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Reads a viewer file, refusing anything whose real path is outside the (real) viewer folder. */
function readViewerFile(rootReal: string, name: string): Buffer | null {
  const candidate = join(rootReal, name);
  if (!existsSync(candidate)) return null;
  const real = realpathSync(candidate);
  if (!real.startsWith(rootReal + sep) || !statSync(real).isFile()) return null;
  return readFileSync(real);
}

/** The HTTP handler: GET/HEAD of the viewer's files; 400, 404 or 405 for everything else. */
export function staticHandler(rootReal: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'method not allowed\n');
      return;
    }
    const verdict = classifyPath(req.url);
    if (!verdict.ok) {
      sendText(res, verdict.status, verdict.status === 400 ? 'bad request\n' : 'not found\n');
      return;
    }
    const entry = VIEWER_FILES[verdict.path]!;
    let body: Buffer | null;
    try {
      body = readViewerFile(rootReal, entry.file);
    } catch {
      body = null;
    }
    if (!body) {
      sendText(res, 404, 'not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': entry.type,
      'Content-Length': body.length,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
