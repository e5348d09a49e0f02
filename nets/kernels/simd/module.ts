// Fused elementwise loops in WebAssembly SIMD, run directly on the wasm back end's memory: one pass
// where tfjs would launch several kernels (Adam: ~14 passes over every parameter). Each works on a
// multiple of 4 floats; callers finish the tail in JS.
import { F32, I32, V128, addTo, buildModule, forUp, op, repeat, type FuncDef, type ValType } from './asm.js';
import { convTilesFunc, packStripsFunc, scatterTilesFunc } from './convTiles.js';
import { fmaEnabled, tileStep } from './fma.js';

export interface SimdKernels {
  /** Adam step, tfjs's operation order: see fused_adam.ts. Offsets in bytes; `bytes` = 4 * count. */
  adam(
    p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, bytes: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negLr: number,
  ): void;
  /** out = x > 0 ? dy : 0. */
  reluGrad(dy: number, x: number, out: number, bytes: number): void;
  /** out[c] += x[r, c] for every row r; `rowBytes` a multiple of 16. */
  colSum(x: number, out: number, rows: number, rowBytes: number): void;
  /** dst[j, i] = src[i, j] for a rows x cols float matrix, both multiples of 4. */
  transpose(src: number, dst: number, rows: number, cols: number): void;
  /** dst[i] += src[i] over `bytes` (a multiple of 16). */
  addInto(dst: number, src: number, bytes: number): void;
  /** dst[c, r, :] = src[r, c, :] for rows x cols blocks of `innerBytes` (a multiple of 16). */
  blockTranspose(src: number, dst: number, rows: number, cols: number, innerBytes: number): void;
  /**
   * c[i, j] += sum over rows k of a[k, i] * b[k, j] for a 4 x 8 tile of c (rows `cRowBytes` apart):
   * row k of a is 4 floats at p, of b 8 floats at q. The rows are walked as `count` × `rows` × `cols`
   * (all ≥ 1), the pointers stepping by aCol/bCol bytes per col, aRow/bRow per row and aOuter/bOuter
   * per outer step. A filter gradient's tile: rows of a are input pixels' channels, rows of b the
   * output gradient's (see filter_grad_tiles.ts).
   */
  outerTile(
    p: number, q: number, c: number, cRowBytes: number, count: number, rows: number, cols: number,
    aCol: number, aRow: number, aOuter: number, bCol: number, bRow: number, bOuter: number,
  ): void;
  /** A 'valid' conv's output pixels [j0, j1), 4 × 8 tiles: see convTiles.ts. */
  convTiles(
    x: number, w: number, out: number, j0: number, j1: number, jLast: number, plane: number, ow: number,
    imgBytes: number, rowStep: number, colStep: number, kh: number, kwc: number, khSkip: number, cout: number,
    coCount: number, accumulate: number, wRow: number, wTileStep: number,
  ): void;
  /** A matrix's column strips made contiguous: see convTiles.ts. */
  packStrips(src: number, dst: number, rows: number, srcStride: number, strips: number, stripBytes: number): void;
  /** A 'valid' conv's input gradient, scattered from output pixels [j0, j1): see convTiles.ts. */
  scatterTiles(
    dy: number, wt: number, dx: number, j0: number, j1: number, plane: number, ow: number,
    imgBytes: number, rowStep: number, colStep: number, kh: number, kw: number, tapRowSkip: number, cin: number, cout: number,
  ): void;
}

const addr = (base: number, i: number): number[] => [...op.get(base), ...op.get(i), ...op.i32Add];

function adam(): FuncDef {
  const [p, m, v, g, po, mo, vo, bytes] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [b1, omb1, b2, omb2, d1, d2, eps, negLr] = [8, 9, 10, 11, 12, 13, 14, 15];
  const i = 16;
  const splat0 = 17; // eight splatted scalars: 17..24
  const [gv, mv, vv] = [25, 26, 27];
  const scalars = [b1, omb1, b2, omb2, d1, d2, eps, negLr];
  const s = (k: number): number => splat0 + scalars.indexOf(k);
  const params: ValType[] = [...new Array<ValType>(8).fill(I32), ...new Array<ValType>(8).fill(F32)];
  const locals: ValType[] = [I32, ...new Array<ValType>(11).fill(V128)];
  return {
    name: 'adam',
    params,
    locals,
    body: [
      ...scalars.flatMap((k) => [op.get(k), op.splat, op.set(s(k))]),
      ...forUp(i, bytes, 16, [
        addr(g, i), op.load, op.set(gv),
        // m' = m*b1 + g*(1-b1)
        addr(mo, i),
        addr(m, i), op.load, op.get(s(b1)), op.mul, op.get(gv), op.get(s(omb1)), op.mul, op.add, op.tee(mv),
        op.store,
        // v' = v*b2 + g²*(1-b2)
        addr(vo, i),
        addr(v, i), op.load, op.get(s(b2)), op.mul, op.get(gv), op.get(gv), op.mul, op.get(s(omb2)), op.mul, op.add,
        op.tee(vv),
        op.store,
        // p' = (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps) * -lr + p
        addr(po, i),
        op.get(mv), op.get(s(d1)), op.div,
        op.get(vv), op.get(s(d2)), op.div, op.sqrt, op.get(s(eps)), op.add,
        op.div, op.get(s(negLr)), op.mul,
        addr(p, i), op.load, op.add,
        op.store,
      ]),
    ],
  };
}

function reluGrad(): FuncDef {
  const [dy, x, out, bytes, i] = [0, 1, 2, 3, 4];
  return {
    name: 'reluGrad',
    params: [I32, I32, I32, I32],
    locals: [I32],
    body: forUp(i, bytes, 16, [
      addr(out, i),
      addr(x, i), op.load, op.v128Zero, op.gt,
      addr(dy, i), op.load,
      op.and,
      op.store,
    ]),
  };
}

function colSum(): FuncDef {
  const [x, out, rows, rowBytes] = [0, 1, 2, 3];
  const [r, j, rowBase] = [4, 5, 6];
  return {
    name: 'colSum',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32],
    body: [
      op.i32(0), op.set(r),
      op.get(x), op.set(rowBase),
      op.block, op.loop,
      op.get(r), op.get(rows), op.i32GeU, op.brIf(1),
      ...forUp(j, rowBytes, 16, [
        addr(out, j),
        addr(out, j), op.load,
        addr(rowBase, j), op.load,
        op.add,
        op.store,
      ]),
      op.get(rowBase), op.get(rowBytes), op.i32Add, op.set(rowBase),
      op.get(r), op.i32(1), op.i32Add, op.set(r),
      op.br(0),
      op.end, op.end,
    ],
  };
}

// Typed here because the project's lib (ES2023, no DOM) does not declare WebAssembly.
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

function addInto(): FuncDef {
  const [dst, src, bytes, i] = [0, 1, 2, 3];
  return {
    name: 'addInto',
    params: [I32, I32, I32],
    locals: [I32],
    body: forUp(i, bytes, 16, [addr(dst, i), addr(dst, i), op.load, addr(src, i), op.load, op.add, op.store]),
  };
}

function blockTranspose(): FuncDef {
  const [src, dst, rows, cols, inner] = [0, 1, 2, 3, 4];
  const [r, c, from, to, k] = [5, 6, 7, 8, 9];
  return {
    name: 'blockTranspose',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32],
    body: [
      op.i32(0), op.set(r),
      op.get(src), op.set(from),
      op.block, op.loop,
      op.get(r), op.get(rows), op.i32GeU, op.brIf(1),
      // to = dst + r*inner; then += rows*inner per column
      op.get(dst), op.get(r), op.get(inner), op.i32Mul, op.i32Add, op.set(to),
      op.i32(0), op.set(c),
      op.block, op.loop,
      op.get(c), op.get(cols), op.i32GeU, op.brIf(1),
      ...forUp(k, inner, 16, [addr(to, k), addr(from, k), op.load, op.store]),
      op.get(from), op.get(inner), op.i32Add, op.set(from),
      op.get(to), op.get(rows), op.get(inner), op.i32Mul, op.i32Add, op.set(to),
      op.get(c), op.i32(1), op.i32Add, op.set(c),
      op.br(0),
      op.end, op.end,
      op.get(r), op.i32(1), op.i32Add, op.set(r),
      op.br(0),
      op.end, op.end,
    ],
  };
}

function outerTile(fma: boolean): FuncDef {
  const [p0, q0, c, cRow, count, rows, cols, aCol, aRow, aOuter, bCol, bRow, bOuter] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [n, r, k, pN, qN, pR, qR, p, q] = [13, 14, 15, 16, 17, 18, 19, 20, 21];
  const acc0 = 22; // acc0 + 2i + h: row i, half h (lanes 0-3 or 4-7) of the tile
  const [b0, b1, a] = [30, 31, 32];
  const cAt = (i: number): number[] => [...op.get(c), ...op.get(cRow), ...op.i32(i), ...op.i32Mul, ...op.i32Add];
  const rowsOf = [0, 1, 2, 3];
  const bump = (ptr: number, by: number): number[] => addTo(ptr, op.get(by));
  return {
    name: 'outerTile',
    params: new Array<ValType>(13).fill(I32),
    locals: [...new Array<ValType>(9).fill(I32), ...new Array<ValType>(11).fill(V128)],
    body: [
      ...rowsOf.flatMap((i) => [cAt(i), op.load, op.set(acc0 + 2 * i), cAt(i), op.loadAt(16), op.set(acc0 + 2 * i + 1)]),
      op.get(p0), op.set(pN), op.get(q0), op.set(qN), op.get(count), op.set(n),
      ...repeat(n, [
        op.get(pN), op.set(pR), op.get(qN), op.set(qR), op.get(rows), op.set(r),
        ...repeat(r, [
          op.get(pR), op.set(p), op.get(qR), op.set(q), op.get(cols), op.set(k),
          ...repeat(k, [
            ...tileStep(fma, q, (i) => [op.get(p), op.splatLoadAt(4 * i)], { acc0, b0, b1, a }),
            bump(p, aCol), bump(q, bCol),
          ]),
          bump(pR, aRow), bump(qR, bRow),
        ]),
        bump(pN, aOuter), bump(qN, bOuter),
      ]),
      ...rowsOf.flatMap((i) => [cAt(i), op.get(acc0 + 2 * i), op.store, cAt(i), op.get(acc0 + 2 * i + 1), op.storeAt(16)]),
    ],
  };
}

/** 4x4 blocks: four row loads, eight lane shuffles, four column stores. */
function transpose(): FuncDef {
  const [src, dst, rows, cols] = [0, 1, 2, 3];
  const [i, j, p, q, srcRowBytes, dstRowBytes] = [4, 5, 6, 7, 8, 9];
  const [r0, r1, r2, r3, t0, t1, t2, t3] = [10, 11, 12, 13, 14, 15, 16, 17];
  const at = (base: number, k: number, stride: number): number[] => [
    ...op.get(base), ...op.get(stride), ...op.i32(k), ...op.i32Mul, ...op.i32Add,
  ];
  return {
    name: 'transpose',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128],
    body: [
      op.get(cols), op.i32(4), op.i32Mul, op.set(srcRowBytes),
      op.get(rows), op.i32(4), op.i32Mul, op.set(dstRowBytes),
      op.i32(0), op.set(i),
      op.block, op.loop,
      op.get(i), op.get(rows), op.i32GeU, op.brIf(1),
      op.i32(0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(cols), op.i32GeU, op.brIf(1),
      // p = src + (i*cols + j)*4; q = dst + (j*rows + i)*4
      op.get(i), op.get(srcRowBytes), op.i32Mul, op.get(j), op.i32(4), op.i32Mul, op.i32Add, op.get(src), op.i32Add, op.set(p),
      op.get(j), op.get(dstRowBytes), op.i32Mul, op.get(i), op.i32(4), op.i32Mul, op.i32Add, op.get(dst), op.i32Add, op.set(q),
      at(p, 0, srcRowBytes), op.load, op.set(r0),
      at(p, 1, srcRowBytes), op.load, op.set(r1),
      at(p, 2, srcRowBytes), op.load, op.set(r2),
      at(p, 3, srcRowBytes), op.load, op.set(r3),
      op.get(r0), op.get(r1), op.shuffle32([0, 4, 1, 5]), op.set(t0),
      op.get(r0), op.get(r1), op.shuffle32([2, 6, 3, 7]), op.set(t1),
      op.get(r2), op.get(r3), op.shuffle32([0, 4, 1, 5]), op.set(t2),
      op.get(r2), op.get(r3), op.shuffle32([2, 6, 3, 7]), op.set(t3),
      at(q, 0, dstRowBytes), op.get(t0), op.get(t2), op.shuffle32([0, 1, 4, 5]), op.store,
      at(q, 1, dstRowBytes), op.get(t0), op.get(t2), op.shuffle32([2, 3, 6, 7]), op.store,
      at(q, 2, dstRowBytes), op.get(t1), op.get(t3), op.shuffle32([0, 1, 4, 5]), op.store,
      at(q, 3, dstRowBytes), op.get(t1), op.get(t3), op.shuffle32([2, 3, 6, 7]), op.store,
      op.get(j), op.i32(4), op.i32Add, op.set(j),
      op.br(0),
      op.end, op.end,
      op.get(i), op.i32(4), op.i32Add, op.set(i),
      op.br(0),
      op.end, op.end,
    ],
  };
}

/** Compiled modules by memory kind: index 0 plain, 1 shared. null where compiling failed. */
const compiled: [object | null | undefined, object | null | undefined] = [undefined, undefined];

/** The module's bytes, for tests and validation; `sharedMemory` for a threaded build's memory. */
export function simdModuleBytes(sharedMemory = false): Uint8Array {
  const fma = fmaEnabled();
  return buildModule(
    [adam(), reluGrad(), colSum(), transpose(), addInto(), blockTranspose(), outerTile(fma), convTilesFunc(fma), scatterTilesFunc(fma), packStripsFunc()],
    sharedMemory,
  );
}

function compile(sharedMemory: boolean): object | null {
  const k = sharedMemory ? 1 : 0;
  if (compiled[k] === undefined) {
    try {
      if (!wasmApi) throw new Error('no WebAssembly');
      compiled[k] = new wasmApi.Module(simdModuleBytes(sharedMemory));
    } catch {
      compiled[k] = null; // no wasm SIMD (or threads) in this runtime: callers use their JS loops
    }
  }
  return compiled[k];
}

const instances = new WeakMap<WasmMemory, SimdKernels | null>();

/** Whether `memory` is shared (the threaded tfjs build's: its buffer is a SharedArrayBuffer). */
export function isSharedMemory(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * SIMD kernels bound to `memory` (plain or shared), or null when wasm SIMD is unavailable. The kernels
 * run on the calling thread only; offsets stay valid across memory growth, JS views do not.
 */
export function simdKernels(memory: WasmMemory | undefined): SimdKernels | null {
  if (!memory) return null;
  const have = instances.get(memory);
  if (have !== undefined) return have;
  const mod = compile(isSharedMemory(memory));
  const made = mod && wasmApi ? (new wasmApi.Instance(mod, { env: { memory } }).exports as SimdKernels) : null;
  instances.set(memory, made);
  return made;
}
