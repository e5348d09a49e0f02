import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/rng.js';
import {
  BINARY_HEADER_BYTES,
  MAX_CLIENT_MESSAGE_BYTES,
  decodeBinary,
  encodeFrame,
  encodeOverlay,
  parseClientMessage,
  parseServerMessage,
} from '../../play/server/protocol.js';

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

describe('binary frames', () => {
  it('round-trip an 84×84 RGB frame with its seq and size in a 16-byte header', () => {
    const rgb = randomBytes(84 * 84 * 3, 1);
    const msg = encodeFrame(4_000_000_000, 84, 84, rgb);
    expect(msg.length).toBe(BINARY_HEADER_BYTES + rgb.length);
    const back = decodeBinary(msg);
    expect(back?.kind).toBe('frame');
    if (back?.kind !== 'frame') return;
    expect([back.seq, back.width, back.height]).toEqual([4_000_000_000, 84, 84]);
    expect(Buffer.from(back.rgb).equals(Buffer.from(rgb))).toBe(true);
  });

  it('decode frames that sit at an odd offset of a larger buffer (as socket buffers do)', () => {
    const rgb = randomBytes(7 * 5 * 3, 2);
    const msg = encodeFrame(9, 7, 5, rgb);
    const big = new Uint8Array(msg.length + 3);
    big.set(msg, 3);
    const back = decodeBinary(big.subarray(3));
    expect(back?.kind === 'frame' && Buffer.from(back.rgb).equals(Buffer.from(rgb))).toBe(true);
  });

  it('reject bad sizes and short pixel data when encoding', () => {
    expect(() => encodeFrame(1, 0, 5, new Uint8Array(0))).toThrow(/width/);
    expect(() => encodeFrame(1, 5, 5000, new Uint8Array(5 * 5000 * 3))).toThrow(/height/);
    expect(() => encodeFrame(1, 4, 4, new Uint8Array(47))).toThrow(/48 bytes/);
    expect(() => encodeFrame(-1, 4, 4, new Uint8Array(48))).toThrow(/seq/);
  });

  it('decode to null: truncated, padded, unknown kind, wrong channel count, zero size', () => {
    const msg = encodeFrame(3, 4, 4, randomBytes(48, 3));
    expect(decodeBinary(msg.subarray(0, msg.length - 1))).toBeNull();
    expect(decodeBinary(new Uint8Array([...msg, 0]))).toBeNull();
    expect(decodeBinary(msg.subarray(0, 10))).toBeNull();
    const kind = msg.slice();
    kind[0] = 9;
    expect(decodeBinary(kind)).toBeNull();
    const channels = msg.slice();
    channels[1] = 4;
    expect(decodeBinary(channels)).toBeNull();
    const zero = msg.slice();
    zero[2] = 0;
    zero[3] = 0;
    expect(decodeBinary(zero)).toBeNull();
  });

  it('round-trip overlays as float32 maps; non-finite values become 0', () => {
    const values = Array.from({ length: 12 }, (_, i) => i / 3);
    values[5] = Number.NaN;
    values[7] = Infinity;
    const back = decodeBinary(encodeOverlay(2, 4, 3, values));
    expect(back?.kind).toBe('overlay');
    if (back?.kind !== 'overlay') return;
    const expected = values.map((v) => (Number.isFinite(v) ? Math.fround(v) : 0));
    expect(Array.from(back.values)).toEqual(expected);
    expect(() => encodeOverlay(2, 4, 3, values.slice(1))).toThrow(/12 values/);
    // An overlay read from an unaligned buffer is copied, not misread.
    const msg = encodeOverlay(2, 4, 3, values);
    const big = new Uint8Array(msg.length + 1);
    big.set(msg, 1);
    const unaligned = decodeBinary(big.subarray(1));
    expect(unaligned?.kind === 'overlay' && Array.from(unaligned.values)).toEqual(expected);
  });
});

describe('malformed overlays are rejected like other binary messages', () => {
  const good = (): Uint8Array => encodeOverlay(7, 3, 2, [0, 0.5, 1, 0.25, 0.75, 0.1]);

  it('decodes the well-formed one', () => {
    expect(decodeBinary(good())?.kind).toBe('overlay');
  });

  it.each([
    ['one value short', (m: Uint8Array) => m.subarray(0, m.length - 4)],
    ['a stray byte', (m: Uint8Array) => Uint8Array.from([...m, 0])],
    ['three channels', (m: Uint8Array) => ((m[1] = 3), m)],
    ['zero height', (m: Uint8Array) => ((m[4] = 0), (m[5] = 0), m)],
    ['a side over the limit', (m: Uint8Array) => (new DataView(m.buffer).setUint16(2, 5000, true), m)],
    ['a non-zero reserved field', (m: Uint8Array) => ((m[6] = 1), m)],
    ['a non-zero reserved word', (m: Uint8Array) => ((m[15] = 9), m)],
    ['a NaN value', (m: Uint8Array) => (new DataView(m.buffer).setFloat32(BINARY_HEADER_BYTES + 8, Number.NaN, true), m)],
    ['an infinite value', (m: Uint8Array) => (new DataView(m.buffer).setFloat32(BINARY_HEADER_BYTES, -Infinity, true), m)],
  ])('%s', (_name, corrupt) => {
    expect(decodeBinary(corrupt(good()))).toBeNull();
  });
});

describe('client messages', () => {
  it('accept every control the page sends', () => {
    const ok = (s: unknown) => parseClientMessage(JSON.stringify(s));
    expect(ok({ type: 'pause' })).toEqual({ ok: true, message: { type: 'pause' } });
    expect(ok({ type: 'resume' })).toEqual({ ok: true, message: { type: 'resume' } });
    expect(ok({ type: 'step' })).toEqual({ ok: true, message: { type: 'step' } });
    expect(ok({ type: 'speed', stepsPerSecond: 2.5 })).toEqual({ ok: true, message: { type: 'speed', stepsPerSecond: 2.5 } });
    expect(ok({ type: 'restart', seed: 42 })).toEqual({ ok: true, message: { type: 'restart', seed: 42 } });
    expect(ok({ type: 'restart' })).toEqual({ ok: true, message: { type: 'restart' } });
    expect(ok({ type: 'keydown', code: 'ArrowLeft' })).toEqual({ ok: true, message: { type: 'keydown', code: 'ArrowLeft' } });
    expect(ok({ type: 'keyup', code: 'Space' })).toEqual({ ok: true, message: { type: 'keyup', code: 'Space' } });
    expect(ok({ type: 'ack', seq: 7 })).toEqual({ ok: true, message: { type: 'ack', seq: 7 } });
  });

  it.each([
    ['not JSON', '{type: pause}', /not JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['a string', '"pause"', /not a JSON object/],
    ['no type', '{"seed":1}', /no type/],
    ['unknown type', '{"type":"selfDestruct"}', /unknown message type 'selfDestruct'/],
    ['extra fields', '{"type":"pause","now":true}', /takes no fields/],
    ['speed too high', '{"type":"speed","stepsPerSecond":1e9}', /stepsPerSecond/],
    ['speed not a number', '{"type":"speed","stepsPerSecond":"fast"}', /stepsPerSecond/],
    ['fractional seed', '{"type":"restart","seed":1.5}', /integer/],
    ['key code with symbols', '{"type":"keydown","code":"<script>"}', /KeyboardEvent.code/],
    ['negative ack', '{"type":"ack","seq":-1}', /unsigned/],
  ])('reject %s', (_name, text, reason) => {
    const r = parseClientMessage(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('reject messages over the size limit without parsing them', () => {
    const huge = JSON.stringify({ type: 'restart', pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) });
    const r = parseClientMessage(huge);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/over the 1024 limit/);
  });

  it('server messages: known types are read, others are null', () => {
    expect(parseServerMessage('{"type":"status","paused":true,"stepsPerSecond":3}')).toEqual({ type: 'status', paused: true, stepsPerSecond: 3 });
    expect(parseServerMessage('{"type":"nope"}')).toBeNull();
    expect(parseServerMessage('nope')).toBeNull();
  });
});
