import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../envs/atomicWrite.js';
import { FrameDataset, type ObjectBox } from './frameDataset.js';

/**
 * File layout (little-endian): magic 'PXGFRAME', u32 version, u32 header length, header JSON
 * { width, height, size, kinds, boxCount }, then frames (u8 N·H·W·3), masks (u8 N·H·W),
 * present (u8 N·K), actions (i32 N), rewards (f32 N), episodes (i32 N), steps (i32 N), boxes
 * (i32 × 6 each: frame, kind, x0, y0, x1, y1, by frame), and a SHA-256 of everything before it.
 */
const MAGIC = Buffer.from('PXGFRAME', 'ascii');
const VERSION = 1;
const DIGEST_BYTES = 32;
const BOX_INTS = 6;

interface Header {
  width: number;
  height: number;
  size: number;
  kinds: string[];
  boxCount: number;
}

function int32s(a: Int32Array): Buffer {
  const b = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) b.writeInt32LE(a[i]!, i * 4);
  return b;
}

function float32s(a: Float32Array): Buffer {
  const b = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) b.writeFloatLE(a[i]!, i * 4);
  return b;
}

/** Writes `ds` to `path` atomically (readers see the old file or the whole new one). */
export function saveDataset(path: string, ds: FrameDataset): void {
  if (!(ds instanceof FrameDataset)) throw new TypeError('saveDataset: expected a FrameDataset');
  const boxCount = ds.boxes.reduce((s, l) => s + l.length, 0);
  const header: Header = { width: ds.width, height: ds.height, size: ds.size, kinds: [...ds.kinds], boxCount };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(VERSION, 0);
  fixed.writeUInt32LE(json.length, 4);
  const boxes = new Int32Array(boxCount * BOX_INTS);
  let o = 0;
  ds.boxes.forEach((list, f) => {
    for (const b of list) {
      boxes.set([f, b.kind, b.x0, b.y0, b.x1, b.y1], o);
      o += BOX_INTS;
    }
  });
  const chunks: Uint8Array[] = [
    MAGIC,
    fixed,
    json,
    ds.frames,
    ds.masks,
    ds.present,
    int32s(ds.actions),
    float32s(ds.rewards),
    int32s(ds.episodes),
    int32s(ds.steps),
    int32s(boxes),
  ];
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  chunks.push(hash.digest());
  writeFileAtomic(path, chunks);
}

function corrupt(path: string, why: string): never {
  throw new Error(`loadDataset: ${path} is not a valid frame dataset (${why})`);
}

function parseHeader(path: string, text: string): Header {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    corrupt(path, 'header is not JSON');
  }
  const o = h as Partial<Header>;
  const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (typeof h !== 'object' || h === null || !posInt(o.width) || !posInt(o.height) || !posInt(o.size) || !posInt(o.boxCount) || !Array.isArray(o.kinds) || !o.kinds.every((k) => typeof k === 'string'))
    corrupt(path, 'header fields missing or of the wrong type');
  if (o.width < 1 || o.height < 1 || o.size < 1 || o.width * o.height > 4096 * 4096) corrupt(path, 'frame size or count out of range');
  return o as Header;
}

/** Reads a dataset written by `saveDataset`; truncated, corrupt or foreign files are rejected. */
export function loadDataset(path: string): FrameDataset {
  const buf = readFileSync(path);
  const minimum = MAGIC.length + 8 + DIGEST_BYTES;
  if (buf.length < minimum) corrupt(path, `only ${buf.length} bytes`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) corrupt(path, 'wrong magic');
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - DIGEST_BYTES))) corrupt(path, 'checksum mismatch: truncated or modified');
  const version = buf.readUInt32LE(MAGIC.length);
  if (version !== VERSION) corrupt(path, `version ${version}, expected ${VERSION}`);
  const headerLength = buf.readUInt32LE(MAGIC.length + 4);
  let off = MAGIC.length + 8;
  if (off + headerLength > body.length) corrupt(path, 'header runs past the end');
  const h = parseHeader(path, buf.toString('utf8', off, off + headerLength));
  off += headerLength;
  const px = h.width * h.height;
  const n = h.size;
  const k = h.kinds.length;
  const expected = off + n * px * 3 + n * px + n * k + n * 16 + h.boxCount * BOX_INTS * 4;
  if (expected !== body.length) corrupt(path, `expected ${expected + DIGEST_BYTES} bytes, found ${buf.length}`);
  const bytes = (len: number): Uint8Array => {
    const out = new Uint8Array(buf.subarray(off, off + len)); // a copy: the file buffer may be pooled
    off += len;
    return out;
  };
  const ints = (len: number): Int32Array => {
    const out = new Int32Array(len);
    for (let i = 0; i < len; i++) out[i] = buf.readInt32LE(off + i * 4);
    off += len * 4;
    return out;
  };
  const frames = bytes(n * px * 3);
  const masks = bytes(n * px);
  const present = bytes(n * k);
  const actions = ints(n);
  const rewards = new Float32Array(n);
  for (let i = 0; i < n; i++) rewards[i] = buf.readFloatLE(off + i * 4);
  off += n * 4;
  const episodes = ints(n);
  const steps = ints(n);
  const flat = ints(h.boxCount * BOX_INTS);
  const boxes: ObjectBox[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < h.boxCount; i++) {
    const [f, kind, x0, y0, x1, y1] = flat.subarray(i * BOX_INTS, (i + 1) * BOX_INTS);
    if (f! < 0 || f! >= n) corrupt(path, `box ${i} names frame ${f}`);
    boxes[f!]!.push({ kind: kind!, x0: x0!, y0: y0!, x1: x1!, y1: y1! });
  }
  try {
    return new FrameDataset({ width: h.width, height: h.height, kinds: h.kinds, frames, masks, present, boxes, actions, rewards, episodes, steps });
  } catch (err) {
    corrupt(path, (err as Error).message);
  }
}
