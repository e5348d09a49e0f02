// Learning-curve points from a run's metric records: live from an Observable, or by tailing the
// run's metrics.jsonl while it grows.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { Observable, concatMap, defer, from, timer } from 'rxjs';
import type { CurvePoint } from './protocol.js';

/** One line of metrics.jsonl / one emission of a run's metrics stream: named numbers (others are ignored). */
export type MetricRecord = Readonly<Record<string, unknown>>;

/** Field names tried, in order, for a point's x (the env step). */
export const STEP_FIELDS = ['step', 'globalStep', 'timestep', 'timesteps', 'envSteps', 'env_steps'] as const;

/** A record as a curve point: x from its step field (else `index`), values its other finite numbers. Null when it has none. */
export function toCurvePoint(record: MetricRecord, index: number): CurvePoint | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
  let x = index;
  let xField: string | null = null;
  for (const f of STEP_FIELDS) {
    const v = record[f];
    if (typeof v === 'number' && Number.isFinite(v)) {
      x = v;
      xField = f;
      break;
    }
  }
  const values: Record<string, number> = {};
  let n = 0;
  for (const [k, v] of Object.entries(record)) {
    if (k === xField || typeof v !== 'number' || !Number.isFinite(v)) continue;
    values[k] = v;
    if (++n >= 64) break; // a page plots a handful; a record with thousands of fields is not a curve
  }
  return n > 0 ? { x, values } : null;
}

/**
 * The curve so far, bounded: when full, every other point is dropped, so the history keeps the
 * whole run's shape at half the resolution instead of forgetting its start.
 */
export class CurveHistory {
  private readonly items: CurvePoint[] = [];

  constructor(readonly maxPoints: number = 4000) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError(`CurveHistory: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  }

  add(p: CurvePoint): void {
    if (this.items.length >= this.maxPoints) {
      let w = 0;
      for (let r = 0; r < this.items.length; r += 2) this.items[w++] = this.items[r]!;
      this.items.length = w;
    }
    this.items.push(p);
  }

  get size(): number {
    return this.items.length;
  }

  points(): CurvePoint[] {
    return this.items.slice();
  }
}

export interface TailOptions {
  /** How often to look for new lines (default 500 ms). */
  pollMs?: number;
  /** Most bytes read per poll (default 1 MiB): a huge file is caught up with over several polls. */
  maxBytesPerPoll?: number;
  /** Told about lines that are not JSON objects (they are skipped). */
  onBadLine?: (line: string, lineNumber: number) => void;
}

/** Reads what was appended to a file since the last call; starts over when the file shrinks (replaced). */
class JsonlReader {
  private offset = 0;
  private lineNumber = 0;
  private rest = '';
  private decoder = new StringDecoder('utf8');

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly onBadLine: (line: string, lineNumber: number) => void,
  ) {}

  poll(): MetricRecord[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return []; // not there yet: a run that has not logged anything
    }
    if (size < this.offset) {
      this.offset = 0;
      this.rest = '';
      this.lineNumber = 0;
      this.decoder = new StringDecoder('utf8');
    }
    if (size === this.offset) return [];
    const n = Math.min(size - this.offset, this.maxBytes);
    const buf = Buffer.alloc(n);
    const fd = openSync(this.path, 'r');
    let got = 0;
    try {
      got = readSync(fd, buf, 0, n, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset += got;
    const text = this.rest + this.decoder.write(buf.subarray(0, got));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: MetricRecord[] = [];
    for (const raw of lines) {
      this.lineNumber++;
      const line = raw.trim();
      if (!line) continue;
      try {
        const v = JSON.parse(line) as unknown;
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as MetricRecord);
        else this.onBadLine(line, this.lineNumber);
      } catch {
        this.onBadLine(line, this.lineNumber);
      }
    }
    return out;
  }
}

/**
 * The records of a JSON-lines file as it grows: the lines already there first, then each new
 * complete line (a line still being written waits for its newline). Never completes; unsubscribe.
 */
export function tailJsonl$(path: string, options: TailOptions = {}): Observable<MetricRecord> {
  const pollMs = options.pollMs ?? 500;
  const maxBytes = options.maxBytesPerPoll ?? 1 << 20;
  if (!(pollMs > 0)) throw new RangeError(`tailJsonl$: pollMs must be positive, got ${pollMs}`);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`tailJsonl$: maxBytesPerPoll must be a positive integer, got ${maxBytes}`);
  return defer(() => {
    const reader = new JsonlReader(path, maxBytes, options.onBadLine ?? (() => {}));
    return timer(0, pollMs).pipe(concatMap(() => from(reader.poll())));
  });
}
