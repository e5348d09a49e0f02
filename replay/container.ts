// A small binary container for buffers of up to many GB:
//
//   bytes 0..7    magic (8 ASCII bytes)
//   bytes 8..11   format version, uint32 LE
//   bytes 12..15  header length H, uint32 LE
//   16..16+H      header, UTF-8 JSON: { meta, sections: [{ name, byteLength }], payloadBytes, littleEndian }
//   then          the sections' bytes, back to back, in the header's order (host byte order)
//   last 4 bytes  CRC32 of everything before it, uint32 LE
//
// Writing streams each section from its typed arrays in pieces (no second copy of the payload)
// into a temp file, fsyncs, then renames over the target. Reading validates sizes and the
// checksum of the whole file before any byte lands in the caller's arrays.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** A named run of bytes, given as views into the owner's typed arrays (zero copy). */
export interface IoSection {
  readonly name: string;
  readonly byteLength: number;
  views(): Iterable<Uint8Array>;
}

interface SectionEntry {
  name: string;
  byteLength: number;
}

const PREFIX_BYTES = 16;
const TRAILER_BYTES = 4;
const IO_PIECE = 64 * 2 ** 20;
const MAX_HEADER_BYTES = 16 * 2 ** 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class ReplayFileError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ReplayFileError';
  }
}

let tempCounter = 0;

/** Writes magic, version, header and sections to `path` atomically (temp file + rename). */
export function writeContainer(path: string, magic: string, version: number, meta: unknown, sections: readonly IoSection[]): void {
  const magicBytes = encodeMagic(magic);
  const entries: SectionEntry[] = sections.map((s) => ({ name: s.name, byteLength: s.byteLength }));
  const payloadBytes = entries.reduce((sum, e) => sum + e.byteLength, 0);
  const headerBytes = Buffer.from(JSON.stringify({ meta, sections: entries, payloadBytes, littleEndian: LITTLE_ENDIAN }), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  magicBytes.copy(prefix, 0);
  prefix.writeUInt32LE(version, 8);
  prefix.writeUInt32LE(headerBytes.length, 12);

  const tmp = `${path}.${process.pid}.${++tempCounter}.tmp`;
  const fd = openSync(tmp, 'w');
  let ok = false;
  try {
    let crc = 0;
    const put = (bytes: Uint8Array): void => {
      for (let off = 0; off < bytes.length; off += IO_PIECE) {
        const piece = bytes.subarray(off, Math.min(bytes.length, off + IO_PIECE));
        crc = crc32(piece, crc);
        let done = 0;
        while (done < piece.length) done += writeSync(fd, piece, done, piece.length - done);
      }
    };
    put(prefix);
    put(headerBytes);
    for (const section of sections) {
      let written = 0;
      for (const view of section.views()) {
        put(view);
        written += view.byteLength;
      }
      if (written !== section.byteLength) throw new Error(`section ${section.name}: views gave ${written} bytes, declared ${section.byteLength}`);
    }
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(crc >>> 0, 0);
    writeSync(fd, trailer);
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try {
        unlinkSync(tmp);
      } catch {
        // the temp file may not exist; the original error is what matters
      }
    }
  }
  renameSync(tmp, path);
}

/**
 * An open container whose prefix, header and size were checked. Call `verifyChecksum()`, then
 * `readSections()`; `close()` in a finally.
 */
export class ContainerReader {
  readonly path: string;
  readonly version: number;
  readonly meta: unknown;
  private readonly fd: number;
  private readonly entries: readonly SectionEntry[];
  private readonly payloadStart: number;
  private readonly fileBytes: number;

  private constructor(path: string, fd: number, version: number, meta: unknown, entries: SectionEntry[], payloadStart: number, fileBytes: number) {
    this.path = path;
    this.fd = fd;
    this.version = version;
    this.meta = meta;
    this.entries = entries;
    this.payloadStart = payloadStart;
    this.fileBytes = fileBytes;
  }

  /** Opens `path` and checks magic, version, header and total size. Throws ReplayFileError. */
  static open(path: string, magic: string, supportedVersions: readonly number[]): ContainerReader {
    const fd = openSync(path, 'r');
    try {
      const fileBytes = fstatSync(fd).size;
      if (fileBytes < PREFIX_BYTES + TRAILER_BYTES) throw new ReplayFileError(path, `truncated: ${fileBytes} bytes is shorter than any replay file`);
      const prefix = Buffer.alloc(PREFIX_BYTES);
      readFully(fd, prefix, 0);
      if (!prefix.subarray(0, 8).equals(encodeMagic(magic))) throw new ReplayFileError(path, `not a replay file (bad magic ${JSON.stringify(prefix.subarray(0, 8).toString('latin1'))})`);
      const version = prefix.readUInt32LE(8);
      if (!supportedVersions.includes(version)) throw new ReplayFileError(path, `unsupported format version ${version} (this build reads ${supportedVersions.join(', ')})`);
      const headerLength = prefix.readUInt32LE(12);
      if (headerLength > MAX_HEADER_BYTES || PREFIX_BYTES + headerLength + TRAILER_BYTES > fileBytes) {
        throw new ReplayFileError(path, `truncated or corrupt: header of ${headerLength} bytes does not fit in ${fileBytes} bytes`);
      }
      const headerBytes = Buffer.alloc(headerLength);
      readFully(fd, headerBytes, PREFIX_BYTES);
      let header: unknown;
      try {
        header = JSON.parse(headerBytes.toString('utf8'));
      } catch {
        throw new ReplayFileError(path, 'corrupt header (not JSON)');
      }
      const { meta, entries, payloadBytes, littleEndian } = parseHeader(path, header);
      if (littleEndian !== LITTLE_ENDIAN) throw new ReplayFileError(path, 'written on a host of the other byte order');
      const expected = PREFIX_BYTES + headerLength + payloadBytes + TRAILER_BYTES;
      if (fileBytes !== expected) {
        throw new ReplayFileError(path, `${fileBytes < expected ? 'truncated' : 'corrupt'}: ${fileBytes} bytes, header says ${expected}`);
      }
      return new ContainerReader(path, fd, version, meta, entries, PREFIX_BYTES + headerLength, fileBytes);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Streams the whole file through CRC32 and compares with the trailer. */
  verifyChecksum(): void {
    const end = this.fileBytes - TRAILER_BYTES;
    const scratch = Buffer.allocUnsafe(Math.min(8 * 2 ** 20, Math.max(1, end)));
    let crc = 0;
    for (let pos = 0; pos < end; ) {
      const n = Math.min(scratch.length, end - pos);
      readFully(this.fd, scratch.subarray(0, n), pos);
      crc = crc32(scratch.subarray(0, n), crc);
      pos += n;
    }
    const trailer = Buffer.alloc(TRAILER_BYTES);
    readFully(this.fd, trailer, end);
    if (trailer.readUInt32LE(0) !== crc >>> 0) throw new ReplayFileError(this.path, 'corrupt: checksum mismatch');
  }

  /** Throws unless `sections` match the file's sections by name and size, in order. */
  checkSections(sections: readonly IoSection[]): void {
    const want = sections.map((s) => `${s.name}:${s.byteLength}`).join(', ');
    const have = this.entries.map((s) => `${s.name}:${s.byteLength}`).join(', ');
    if (want !== have) throw new ReplayFileError(this.path, `sections do not match the buffer: file has [${have}], buffer expects [${want}]`);
  }

  /** Reads the payload into the sections' views. Call only after the checks above. */
  readSections(sections: readonly IoSection[]): void {
    this.checkSections(sections);
    let pos = this.payloadStart;
    for (const section of sections) {
      for (const view of section.views()) {
        for (let off = 0; off < view.byteLength; off += IO_PIECE) {
          const piece = view.subarray(off, Math.min(view.byteLength, off + IO_PIECE));
          readFully(this.fd, piece, pos);
          pos += piece.byteLength;
        }
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

function encodeMagic(magic: string): Buffer {
  const bytes = Buffer.from(magic, 'latin1');
  if (bytes.length !== 8) throw new Error(`magic must be 8 bytes, got ${JSON.stringify(magic)}`);
  return bytes;
}

function parseHeader(path: string, header: unknown): { meta: unknown; entries: SectionEntry[]; payloadBytes: number; littleEndian: boolean } {
  const bad = (why: string): never => {
    throw new ReplayFileError(path, `corrupt header: ${why}`);
  };
  if (typeof header !== 'object' || header === null) return bad('not an object');
  const h = header as Record<string, unknown>;
  if (!Array.isArray(h['sections'])) return bad('no section list');
  const entries: SectionEntry[] = [];
  let total = 0;
  for (const s of h['sections'] as unknown[]) {
    const e = s as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e['name'] !== 'string' || !Number.isSafeInteger(e['byteLength']) || (e['byteLength'] as number) < 0) {
      return bad('bad section entry');
    }
    entries.push({ name: e['name'], byteLength: e['byteLength'] as number });
    total += e['byteLength'] as number;
  }
  if (h['payloadBytes'] !== total) return bad(`payloadBytes ${String(h['payloadBytes'])} is not the sum of the sections (${total})`);
  if (typeof h['littleEndian'] !== 'boolean') return bad('no byte order');
  return { meta: h['meta'], entries, payloadBytes: total, littleEndian: h['littleEndian'] };
}
