// The viewer's wire protocol, shared by the Node server and the browser page (so it must stay free
// of Node and DOM imports). Pixels travel as binary messages (a 16-byte header, then the bytes);
// everything else is small JSON text.
import type { Scene } from '../../envs/render/scene.js';

export const PROTOCOL_VERSION = 1;

/** What the server is doing: owning an env loop (watch, play) or showing someone else's steps (stream). */
export type ViewerMode = 'watch' | 'play' | 'stream';

// ---------------------------------------------------------------------------------------------
// Binary messages (server → page)
// Layout, little endian: u8 kind, u8 channels, u16 width, u16 height, u16 reserved (0),
// u32 seq, u32 reserved (0), then the payload: width × height × channels bytes for a frame,
// width × height float32 values for an overlay. 16 bytes keep the float payload 4-byte aligned.
// ---------------------------------------------------------------------------------------------

export const BINARY_HEADER_BYTES = 16;
export const BINARY_KIND_FRAME = 1;
export const BINARY_KIND_OVERLAY = 2;
/** Frames and overlays are at most this many pixels on a side. */
export const MAX_PIXEL_SIDE = 4096;

export interface FrameMessage {
  kind: 'frame';
  seq: number;
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes a pixel (a view into the message). */
  rgb: Uint8Array;
}

export interface OverlayMessage {
  kind: 'overlay';
  /** The frame this map belongs to (0: whatever is shown). */
  seq: number;
  width: number;
  height: number;
  /** One float a pixel, row-major (a view into the message when aligned, else a copy). */
  values: Float32Array;
}

export type BinaryMessage = FrameMessage | OverlayMessage;

function checkSide(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0 || v > MAX_PIXEL_SIDE) throw new RangeError(`${name} must be an integer in 1..${MAX_PIXEL_SIDE}, got ${v}`);
}

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) throw new RangeError(`seq must be an unsigned 32-bit integer, got ${seq}`);
}

function writeHeader(out: Uint8Array, kind: number, channels: number, width: number, height: number, seq: number): void {
  const view = new DataView(out.buffer, out.byteOffset, BINARY_HEADER_BYTES);
  view.setUint8(0, kind);
  view.setUint8(1, channels);
  view.setUint16(2, width, true);
  view.setUint16(4, height, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, seq, true);
  view.setUint32(12, 0, true);
}

/** A frame message: header + `rgb` (width × height × 3 bytes), in a new buffer. */
export function encodeFrame(seq: number, width: number, height: number, rgb: Uint8Array): Uint8Array {
  checkSeq(seq);
  checkSide('width', width);
  checkSide('height', height);
  const n = width * height * 3;
  if (rgb.length < n) throw new RangeError(`encodeFrame: ${width}×${height} RGB needs ${n} bytes, got ${rgb.length}`);
  const out = new Uint8Array(BINARY_HEADER_BYTES + n);
  writeHeader(out, BINARY_KIND_FRAME, 3, width, height, seq);
  out.set(rgb.subarray(0, n), BINARY_HEADER_BYTES);
  return out;
}

/** An overlay message: header + width × height float32 values (e.g. a saliency map), in a new buffer. */
export function encodeOverlay(seq: number, width: number, height: number, values: ArrayLike<number>): Uint8Array {
  checkSeq(seq);
  checkSide('width', width);
  checkSide('height', height);
  const n = width * height;
  if (values.length !== n) throw new RangeError(`encodeOverlay: a ${width}×${height} map needs ${n} values, got ${values.length}`);
  const out = new Uint8Array(BINARY_HEADER_BYTES + n * 4);
  writeHeader(out, BINARY_KIND_OVERLAY, 1, width, height, seq);
  const floats = new Float32Array(out.buffer, BINARY_HEADER_BYTES, n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    floats[i] = Number.isFinite(v) ? v : 0;
  }
  return out;
}

/** Reads a binary message; null when it is not a well-formed frame or overlay. */
export function decodeBinary(data: Uint8Array): BinaryMessage | null {
  if (data.byteLength < BINARY_HEADER_BYTES) return null;
  const view = new DataView(data.buffer, data.byteOffset, BINARY_HEADER_BYTES);
  const kind = view.getUint8(0);
  const channels = view.getUint8(1);
  const width = view.getUint16(2, true);
  const height = view.getUint16(4, true);
  const seq = view.getUint32(8, true);
  if (width === 0 || height === 0 || width > MAX_PIXEL_SIDE || height > MAX_PIXEL_SIDE) return null;
  // Reserved fields are written as 0: anything else is not a message of this version.
  if (view.getUint16(6, true) !== 0 || view.getUint32(12, true) !== 0) return null;
  const payload = data.subarray(BINARY_HEADER_BYTES);
  if (kind === BINARY_KIND_FRAME) {
    if (channels !== 3 || payload.byteLength !== width * height * 3) return null;
    return { kind: 'frame', seq, width, height, rgb: payload };
  }
  if (kind === BINARY_KIND_OVERLAY) {
    const n = width * height;
    if (channels !== 1 || payload.byteLength !== n * 4) return null;
    const aligned = payload.byteOffset % 4 === 0;
    const values = aligned ? new Float32Array(payload.buffer, payload.byteOffset, n) : new Float32Array(payload.slice().buffer);
    // encodeOverlay writes only finite values: NaN or ±Infinity would poison the page's normalization.
    for (let i = 0; i < n; i++) if (!Number.isFinite(values[i]!)) return null;
    return { kind: 'overlay', seq, width, height, values };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// JSON messages (server → page)
// ---------------------------------------------------------------------------------------------

export interface HelloMessage {
  type: 'hello';
  version: number;
  mode: ViewerMode;
  title: string;
  envId: string | null;
  /** Names of the discrete actions, when known. */
  actionNames: string[] | null;
  /** KeyboardEvent.code values the env binds (play mode sends these to the server). */
  keys: string[];
  paused: boolean;
  /** Steps a second of the server's loop (null in stream mode: the trainer sets the pace). */
  stepsPerSecond: number | null;
}

/** One step as the page shows it; a binary frame with the same `seq` follows when `frame` is true. */
export interface StepMessage {
  type: 'step';
  seq: number;
  episode: number;
  /** Steps taken in this episode (0 right after a reset). */
  t: number;
  globalStep: number;
  /** The action that led here (null right after a reset). */
  action: number | number[] | null;
  actionName: string | null;
  reward: number;
  episodeReturn: number;
  terminated: boolean;
  truncated: boolean;
  /** What the agent thinks about the state shown (the observation after this step). */
  qValues?: number[];
  probs?: number[];
  value?: number;
  /** The agent's greedy action for the state shown. */
  greedyAction?: number | number[];
  scene?: Scene;
  frame: boolean;
}

export interface EpisodeMessage {
  type: 'episode';
  episode: number;
  return: number;
  length: number;
}

export interface StatusMessage {
  type: 'status';
  paused: boolean;
  stepsPerSecond: number | null;
}

/** One learning-curve point: x is the env step (or the record's index), values the record's numbers. */
export interface CurvePoint {
  x: number;
  values: Record<string, number>;
}

export interface MetricsMessage {
  type: 'metrics';
  /** True when these points replace the page's curve (a new client's history), false to append. */
  reset: boolean;
  points: CurvePoint[];
}

export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type ServerMessage = HelloMessage | StepMessage | EpisodeMessage | StatusMessage | MetricsMessage | ErrorMessage;

// ---------------------------------------------------------------------------------------------
// JSON messages (page → server), validated field by field: anything else is ignored.
// ---------------------------------------------------------------------------------------------

export type ClientMessage =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step' }
  | { type: 'speed'; stepsPerSecond: number }
  | { type: 'restart'; seed?: number }
  | { type: 'keydown'; code: string }
  | { type: 'keyup'; code: string }
  | { type: 'ack'; seq: number };

/** Client text messages longer than this are ignored unparsed. */
export const MAX_CLIENT_MESSAGE_BYTES = 1024;
export const MIN_STEPS_PER_SECOND = 0.1;
export const MAX_STEPS_PER_SECOND = 10_000;
const KEY_CODE = /^[A-Za-z0-9]{1,32}$/;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; reason: string };

function fail(reason: string): ParseResult {
  return { ok: false, reason };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(obj).every((k) => allowed.includes(k));
}

function parseShape(obj: Record<string, unknown>): ParseResult {
  switch (obj.type) {
    case 'pause':
    case 'resume':
    case 'step':
      return onlyKeys(obj, ['type']) ? { ok: true, message: { type: obj.type } } : fail(`'${obj.type}' takes no fields`);
    case 'speed': {
      const sps = obj.stepsPerSecond;
      if (!onlyKeys(obj, ['type', 'stepsPerSecond'])) return fail("'speed' takes only stepsPerSecond");
      if (typeof sps !== 'number' || !Number.isFinite(sps) || sps < MIN_STEPS_PER_SECOND || sps > MAX_STEPS_PER_SECOND)
        return fail(`'speed' needs stepsPerSecond in ${MIN_STEPS_PER_SECOND}..${MAX_STEPS_PER_SECOND}`);
      return { ok: true, message: { type: 'speed', stepsPerSecond: sps } };
    }
    case 'restart': {
      if (!onlyKeys(obj, ['type', 'seed'])) return fail("'restart' takes only seed");
      if (obj.seed === undefined || obj.seed === null) return { ok: true, message: { type: 'restart' } };
      if (typeof obj.seed !== 'number' || !Number.isSafeInteger(obj.seed)) return fail("'restart' seed must be an integer");
      return { ok: true, message: { type: 'restart', seed: obj.seed } };
    }
    case 'keydown':
    case 'keyup':
      if (!onlyKeys(obj, ['type', 'code'])) return fail(`'${obj.type}' takes only code`);
      if (typeof obj.code !== 'string' || !KEY_CODE.test(obj.code)) return fail(`'${obj.type}' needs a KeyboardEvent.code`);
      return { ok: true, message: { type: obj.type, code: obj.code } };
    case 'ack':
      if (!onlyKeys(obj, ['type', 'seq'])) return fail("'ack' takes only seq");
      if (typeof obj.seq !== 'number' || !Number.isInteger(obj.seq) || obj.seq < 0 || obj.seq > 0xffffffff) return fail("'ack' needs an unsigned integer seq");
      return { ok: true, message: { type: 'ack', seq: obj.seq } };
    default:
      return fail(typeof obj.type === 'string' ? `unknown message type '${obj.type.slice(0, 32)}'` : 'message has no type');
  }
}

/** Parses and validates one text message from a page. Never throws. */
export function parseClientMessage(text: string): ParseResult {
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return fail(`message of ${text.length} characters is over the ${MAX_CLIENT_MESSAGE_BYTES} limit`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
  if (!isRecord(value)) return fail('not a JSON object');
  return parseShape(value);
}

/** Reads a server text message on the page; null when it is not one the page knows. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value.type !== 'string') return null;
  switch (value.type) {
    case 'hello':
    case 'step':
    case 'episode':
    case 'status':
    case 'metrics':
    case 'error':
      return value as unknown as ServerMessage;
    default:
      return null;
  }
}
