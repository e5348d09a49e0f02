// Threads only where they pay: big convolutions and matrix products.
//
// tfjs's C side hands XNNPACK one global pthreadpool for every op, so each op it runs, however
// small, wakes the pool thread and waits for it; on busy shared cores that doubled the cost of an
// MLP's small ops. XNNPACK runs an op inline when given no pool, so we keep that global at null and
// set it back only around Conv2D, FusedConv2D, BatchMatMul and _FusedMatMul calls whose work reaches
// a threshold. Results do not depend on the pool (tested bit-identical), only the speed does.
//
// The global's address is not exported: we read it from the code of get_threads_count, which loads
// it first thing (`i32.const addr; i32.load offset`). If the code ever looks different, we find no
// address and leave every op threaded, as tfjs would.

/** Below this many multiply-adds an op runs on the calling thread (~0.4 ms of one wasm core). */
export const minThreadedMacs = 1 << 22;

function uleb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

function sleb32(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++]!;
    value |= (b & 0x7f) << shift;
    shift += 7;
    if (b < 0x80) {
      if (shift < 32 && b & 0x40) value |= -1 << shift;
      return [value, at];
    }
  }
}

function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at++]!;
  let p = uleb(bytes, at)[1];
  if (flags & 1) p = uleb(bytes, p)[1];
  return p;
}

/** Byte address of the pool pointer tfjs's get_threads_count reads, or null if not recognised. */
export function threadpoolPointerAddress(wasm: Uint8Array): number | null {
  const sections = new Map<number, number>();
  for (let at = 8; at < wasm.length; ) {
    const id = wasm[at++]!;
    const [size, start] = uleb(wasm, at);
    if (!sections.has(id)) sections.set(id, start);
    at = start + size;
  }
  const importsAt = sections.get(2);
  const exportsAt = sections.get(7);
  const codeAt = sections.get(10);
  if (importsAt === undefined || exportsAt === undefined || codeAt === undefined) return null;
  // Function imports come first in the function index space.
  let [count, p] = uleb(wasm, importsAt);
  let importedFuncs = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 2; k++) {
      const [len, q] = uleb(wasm, p);
      p = q + len;
    }
    const kind = wasm[p++]!;
    if (kind === 0) {
      p = uleb(wasm, p)[1];
      importedFuncs++;
    } else if (kind === 1) p = skipLimits(wasm, p + 1);
    else if (kind === 2) p = skipLimits(wasm, p);
    else if (kind === 3) p += 2;
    else return null;
  }
  let funcIndex = -1;
  [count, p] = uleb(wasm, exportsAt);
  for (let i = 0; i < count && funcIndex < 0; i++) {
    const [len, q] = uleb(wasm, p);
    const name = new TextDecoder().decode(wasm.subarray(q, q + len));
    const kind = wasm[q + len]!;
    const [index, next] = uleb(wasm, q + len + 1);
    if (kind === 0 && name === 'get_threads_count') funcIndex = index;
    p = next;
  }
  if (funcIndex < importedFuncs) return null;
  [count, p] = uleb(wasm, codeAt);
  for (let i = 0; i < funcIndex - importedFuncs; i++) {
    const [size, q] = uleb(wasm, p);
    p = q + size;
  }
  p = uleb(wasm, p)[1]; // body size
  const [localGroups, q] = uleb(wasm, p);
  p = q;
  for (let i = 0; i < localGroups; i++) p = uleb(wasm, p)[1] + 1;
  if (wasm[p] !== 0x41) return null; // i32.const
  const [addr, afterConst] = sleb32(wasm, p + 1);
  if (wasm[afterConst] !== 0x28) return null; // i32.load
  const [, afterAlign] = uleb(wasm, afterConst + 1);
  const [offset] = uleb(wasm, afterAlign);
  const address = addr + offset;
  return address > 0 && address % 4 === 0 ? address : null;
}

/** What we touch of the emscripten module. */
export interface GatedModule {
  wasmMemory: { buffer: ArrayBuffer | SharedArrayBuffer };
  asm: Record<string, unknown>;
  [exported: string]: unknown;
}

type CFunction = (...args: number[]) => unknown;

/** Multiply-adds of a conv from its C arguments (output size taken as input / stride). */
function convMacs(batch: number, inH: number, inW: number, fh: number, fw: number, sh: number, sw: number, inC: number, outC: number): number {
  return batch * Math.ceil(inH / sh) * Math.ceil(inW / sw) * fh * fw * inC * outC;
}

/**
 * Parks the pool (pointer set to null) and wraps the big-op C entry points so they run threaded
 * when their work reaches `minMacs`. Call after the pool exists and before tfjs's kernels bind the
 * entry points (their setup runs when the engine first initializes the back end). Returns false,
 * changing nothing, when the pool pointer is not where `address` says.
 */
export function gateThreadpool(module: GatedModule, address: number, minMacs = minThreadedMacs): boolean {
  const slot = address >> 2;
  const words = (): Int32Array => new Int32Array(module.wasmMemory.buffer); // fresh: memory may grow
  const pool = words()[slot]!;
  const raw = (name: string): CFunction | null => {
    const f = module.asm[name];
    return typeof f === 'function' ? (f as CFunction) : null;
  };
  const matMulMacs = (a: number[]): number => {
    const w = words();
    const aShape = w.subarray(a[1]! >> 2, (a[1]! >> 2) + a[2]!);
    const bShape = w.subarray(a[4]! >> 2, (a[4]! >> 2) + a[5]!);
    let aSize = 1;
    for (const d of aShape) aSize *= d;
    const n = a[7] ? bShape[bShape.length - 2]! : bShape[bShape.length - 1]!;
    return aSize * n;
  };
  const entries: Array<[string, (a: number[]) => number]> = [
    // Conv2D(x, batch, inH, inW, filter, fh, fw, padT, padR, padB, padL, same, dh, dw, sh, sw, inC, outC, out)
    ['Conv2D', (a) => convMacs(a[1]!, a[2]!, a[3]!, a[5]!, a[6]!, a[14]!, a[15]!, a[16]!, a[17]!)],
    // FusedConv2D(x, batch, inH, inW, filter, fh, fw, bias, padT, padR, padB, padL, same, dh, dw, sh, sw, inC, outC, …)
    ['FusedConv2D', (a) => convMacs(a[1]!, a[2]!, a[3]!, a[5]!, a[6]!, a[15]!, a[16]!, a[17]!, a[18]!)],
    // BatchMatMul / _FusedMatMul(a, aShape*, aRank, b, bShape*, bRank, transposeA, transposeB, …)
    ['BatchMatMul', (a) => matMulMacs(a)],
    ['_FusedMatMul', (a) => matMulMacs(a)],
  ];
  if (pool === 0 || entries.some(([name]) => raw(name) == null)) return false;
  words()[slot] = 0;
  for (const [name, macs] of entries) {
    const fn = raw(name)!;
    module[`_${name}`] = (...args: number[]): unknown => {
      if (macs(args) < minMacs) return fn(...args);
      words()[slot] = pool;
      try {
        return fn(...args);
      } finally {
        words()[slot] = 0;
      }
    };
  }
  return true;
}
