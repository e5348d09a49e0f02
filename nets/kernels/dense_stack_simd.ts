// The arithmetic of the fused dense-stack kernels: a WebAssembly SIMD matrix product over a memory of
// its own. Inputs are copied in and results out, so the same code serves the wasm back end (whose memory
// may be a plain or a SharedArrayBuffer) and the cpu back end (plain typed arrays). For the small nets it
// is meant for (a few thousand weights) the copies cost microseconds; tfjs's per-kernel overhead, which
// this replaces, costs tens of microseconds a kernel.
import { F32, I32, V128, buildModule, forUp, op, type FuncDef } from './simd/asm.js';

/**
 * gemm(a, sAi, sAk, b, c, M, K, nBytes, bias, relu): C[i, :] = act(Σ_k A[i, k] · B[k, :] + bias).
 * Byte offsets and byte strides: A[i, k] is the float at a + i·sAi + k·sAk (so Aᵀ is just other strides);
 * B and C are row-major with rows of nBytes (a multiple of 16); M a multiple of 4; bias 0 = none;
 * relu ≠ 0 clamps at zero.
 */
export type GemmKernel = (
  a: number, sAi: number, sAk: number, b: number, c: number, M: number, K: number, nBytes: number, bias: number, relu: number,
) => void;

const f32Load = [0x2a, 2, 0];
const f32Store = [0x38, 2, 0];
const i32And = [0x71];

/**
 * Register blocks of four rows of A against two 4-wide column groups of B (eight accumulators; each B
 * load serves four rows, each splat of A two groups), then one group for a remaining 4 columns. The
 * accumulators are independent, so the adds do not wait on each other.
 */
function gemmFunc(): FuncDef {
  const [a, sAi, sAk, b, c, M, K, nBytes, bias, relu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, j, k, pa0, pa1, pa2, pa3, pb, cp, jEnd8] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const acc = [20, 21, 22, 23, 24, 25, 26, 27]; // acc[r + 4g]: row r, column group g
  const [bv0, bv1, init0, init1, av] = [28, 29, 30, 31, 32];
  const ptrs = [pa0, pa1, pa2, pa3];
  const bvs = [bv0, bv1];
  const inits = [init0, init1];
  /** The block at column j for `groups` (1 or 2) 4-wide column groups. */
  const block = (groups: number): number[][] => {
    const gs = Array.from({ length: groups }, (_, g) => g);
    return [
      // init_g = bias ? bias[j + 4g..] : 0 (address bias + j is always readable: offset 0 is reserved)
      ...gs.flatMap((g) => [
        op.get(bias), op.get(j), op.i32Add, op.loadAt(g * 16), op.v128Zero, op.get(bias), op.selectV128, op.set(inits[g]!),
      ]),
      ...gs.flatMap((g) => [0, 1, 2, 3].flatMap((r) => [op.get(inits[g]!), op.set(acc[r + 4 * g]!)])),
      // pa_r = a + (i + r)·sAi
      op.get(a), op.get(i), op.get(sAi), op.i32Mul, op.i32Add, op.set(pa0),
      op.get(pa0), op.get(sAi), op.i32Add, op.set(pa1),
      op.get(pa1), op.get(sAi), op.i32Add, op.set(pa2),
      op.get(pa2), op.get(sAi), op.i32Add, op.set(pa3),
      op.get(b), op.get(j), op.i32Add, op.set(pb),
      op.i32(0), op.set(k),
      op.block, op.loop,
      op.get(k), op.get(K), op.i32GeU, op.brIf(1),
      ...gs.flatMap((g) => [op.get(pb), op.loadAt(g * 16), op.set(bvs[g]!)]),
      ...[0, 1, 2, 3].flatMap((r) => [
        op.get(ptrs[r]!), f32Load, op.splat, op.set(av),
        ...gs.flatMap((g) => [op.get(acc[r + 4 * g]!), op.get(av), op.get(bvs[g]!), op.mul, op.add, op.set(acc[r + 4 * g]!)]),
      ]),
      ...ptrs.flatMap((q) => [op.get(q), op.get(sAk), op.i32Add, op.set(q)]),
      op.get(pb), op.get(nBytes), op.i32Add, op.set(pb),
      op.get(k), op.i32(1), op.i32Add, op.set(k),
      op.br(0),
      op.end, op.end,
      // cp = c + i·nBytes + j; rows i..i+3, relu ? max(acc, 0) : acc
      op.get(c), op.get(i), op.get(nBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(cp),
      ...[0, 1, 2, 3].flatMap((r) =>
        gs.flatMap((g) => [
          op.get(cp),
          ...Array.from({ length: r }, () => [op.get(nBytes), op.i32Add]).flat(),
          op.get(acc[r + 4 * g]!), op.v128Zero, op.max, op.get(acc[r + 4 * g]!), op.get(relu), op.selectV128,
          op.storeAt(g * 16),
        ]),
      ),
    ];
  };
  return {
    name: 'gemm',
    params: new Array(10).fill(I32),
    locals: [...new Array(10).fill(I32), ...new Array(13).fill(V128)],
    body: [
      // jEnd8 = nBytes rounded down to 32 bytes (pairs of column groups)
      op.get(nBytes), op.i32(-32), i32And, op.set(jEnd8),
      op.i32(0), op.set(i),
      op.block, op.loop,
      op.get(i), op.get(M), op.i32GeU, op.brIf(1),
      op.i32(0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(jEnd8), op.i32GeU, op.brIf(1),
      ...block(2),
      op.get(j), op.i32(32), op.i32Add, op.set(j),
      op.br(0),
      op.end, op.end,
      // a last single group when nBytes is an odd multiple of 16
      op.block,
      op.get(j), op.get(nBytes), op.i32GeU, op.brIf(0),
      ...block(1),
      op.end,
      op.get(i), op.i32(4), op.i32Add, op.set(i),
      op.br(0),
      op.end, op.end,
    ],
  };
}

/**
 * adam(p, m, v, g, bytes, b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, eps, -lr), in place over four arrays of
 * `bytes` (a multiple of 16), in tf.train.adam's operation order, every op rounded to float32 as tfjs's:
 * m = m·b1 + g·(1-b1); v = v·b2 + g²·(1-b2); p = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) · -lr + p.
 */
export type AdamKernel = (
  p: number, m: number, v: number, g: number, bytes: number,
  beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
  oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negLr: number,
) => void;

function adamFunc(): FuncDef {
  const [p, m, v, g, bytes] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12]; // b1, 1-b1, b2, 1-b2, d1, d2, eps, -lr
  const [i, gv, mv, vv] = [13, 14, 15, 16];
  const splat0 = 17;
  const sp = (k: number): number => splat0 + scalars.indexOf(k);
  const [b1, omb1, b2, omb2, d1, d2, eps, negLr] = scalars as [number, number, number, number, number, number, number, number];
  const at = (base: number): number[][] => [op.get(base), op.get(i), op.i32Add];
  return {
    name: 'adam',
    params: [...new Array(5).fill(I32), ...new Array(8).fill(F32)],
    locals: [I32, V128, V128, V128, ...new Array(8).fill(V128)],
    body: [
      ...scalars.flatMap((k) => [op.get(k), op.splat, op.set(sp(k))]),
      ...forUp(i, bytes, 16, [
        ...at(g), op.load, op.set(gv),
        ...at(m), ...at(m), op.load, op.get(sp(b1)), op.mul, op.get(gv), op.get(sp(omb1)), op.mul, op.add, op.tee(mv), op.store,
        ...at(v), ...at(v), op.load, op.get(sp(b2)), op.mul, op.get(gv), op.get(gv), op.mul, op.get(sp(omb2)), op.mul, op.add, op.tee(vv), op.store,
        ...at(p),
        op.get(mv), op.get(sp(d1)), op.div,
        op.get(vv), op.get(sp(d2)), op.div, op.sqrt, op.get(sp(eps)), op.add,
        op.div, op.get(sp(negLr)), op.mul,
        ...at(p), op.load, op.add,
        op.store,
      ]),
    ],
  };
}

/** g = a > 0 ? g : 0 over `bytes` (a multiple of 16): the ReLU derivative written with its output a. */
function reluMaskFunc(): FuncDef {
  const [g, a, bytes, i] = [0, 1, 2, 3];
  return {
    name: 'reluMask',
    params: [I32, I32, I32],
    locals: [I32],
    body: forUp(i, bytes, 16, [
      op.get(g), op.get(i), op.i32Add,
      op.get(a), op.get(i), op.i32Add, op.load, op.v128Zero, op.gt,
      op.get(g), op.get(i), op.i32Add, op.load,
      op.and,
      op.store,
    ]),
  };
}

/** out[c] = Σ_r x[r, c] for rows of `rowBytes` (a multiple of 16). */
function colSumFunc(): FuncDef {
  const [x, out, rows, rowBytes] = [0, 1, 2, 3];
  const [j, r, p, acc] = [4, 5, 6, 7];
  return {
    name: 'colSum',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32, V128],
    body: [
      op.i32(0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(rowBytes), op.i32GeU, op.brIf(1),
      op.v128Zero, op.set(acc),
      op.get(x), op.get(j), op.i32Add, op.set(p),
      op.i32(0), op.set(r),
      op.block, op.loop,
      op.get(r), op.get(rows), op.i32GeU, op.brIf(1),
      op.get(acc), op.get(p), op.load, op.add, op.set(acc),
      op.get(p), op.get(rowBytes), op.i32Add, op.set(p),
      op.get(r), op.i32(1), op.i32Add, op.set(r),
      op.br(0),
      op.end, op.end,
      op.get(out), op.get(j), op.i32Add, op.get(acc), op.store,
      op.get(j), op.i32(16), op.i32Add, op.set(j),
      op.br(0),
      op.end, op.end,
    ],
  };
}

/** dst[j·dstStride + i] = src[i·srcStride + j] for i < rows, j < cols (float counts, strides in bytes). */
function transposeFunc(): FuncDef {
  const [src, dst, rows, cols, srcStride, dstStride] = [0, 1, 2, 3, 4, 5];
  const [i, j, sp, dp] = [6, 7, 8, 9];
  return {
    name: 'transpose',
    params: new Array(6).fill(I32),
    locals: [I32, I32, I32, I32],
    body: [
      op.i32(0), op.set(i),
      op.block, op.loop,
      op.get(i), op.get(rows), op.i32GeU, op.brIf(1),
      op.get(src), op.get(i), op.get(srcStride), op.i32Mul, op.i32Add, op.set(sp),
      op.get(dst), op.get(i), op.i32(4), op.i32Mul, op.i32Add, op.set(dp),
      op.i32(0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(cols), op.i32GeU, op.brIf(1),
      op.get(dp), op.get(sp), f32Load, f32Store,
      op.get(sp), op.i32(4), op.i32Add, op.set(sp),
      op.get(dp), op.get(dstStride), op.i32Add, op.set(dp),
      op.get(j), op.i32(1), op.i32Add, op.set(j),
      op.br(0),
      op.end, op.end,
      op.get(i), op.i32(1), op.i32Add, op.set(i),
      op.br(0),
      op.end, op.end,
    ],
  };
}

interface Kernels {
  gemm: GemmKernel;
  adam: AdamKernel;
  reluMask: (g: number, a: number, bytes: number) => void;
  colSum: (x: number, out: number, rows: number, rowBytes: number) => void;
  transpose: (src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number) => void;
}

// The project's lib (ES2023, no DOM) does not declare WebAssembly; this is the part used here.
interface WasmMemoryObject {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemoryObject;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Partial<Kernels> };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function compile(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([gemmFunc(), adamFunc(), reluMaskFunc(), colSumFunc(), transposeFunc()])) : null;
    } catch {
      compiled = null; // no wasm SIMD in this runtime: the kernels run their JS loops
    }
  }
  return compiled;
}

/** Float offsets into the scratch memory; the first 16 floats stay reserved (a null pointer). */
export const SCRATCH_START = 16;

/**
 * A growable float scratch memory with the gemm kernel bound to it (or a JS loop without SIMD).
 * `reserve` may replace the buffer: take `f32` after it, never across a reserve.
 */
export class Scratch {
  private memory: WasmMemoryObject | null = null;
  private plain: Float32Array = new Float32Array(0);
  private kernels: Kernels | null = null;
  f32: Float32Array = new Float32Array(0);

  /** Makes room for `floats` floats (from offset 0) and returns the view. */
  reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    const mod = compile();
    if (mod && wasmApi) {
      if (!this.memory) {
        this.memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
        this.kernels = new wasmApi.Instance(mod, { env: { memory: this.memory } }).exports as Kernels;
      } else if (this.memory.buffer.byteLength < bytes) {
        this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
      }
      if (this.f32.buffer !== this.memory.buffer) this.f32 = new Float32Array(this.memory.buffer);
    } else if (this.plain.length < floats) {
      this.plain = new Float32Array(Math.max(floats, this.plain.length * 2));
      this.f32 = this.plain;
    }
    return this.f32;
  }

  /** Whether gemm runs in WebAssembly SIMD. */
  get simd(): boolean {
    return compile() !== null;
  }

  /**
   * One Adam step in place over float offsets p, m, v, g of `n` floats each (n a multiple of 4); `c` =
   * [b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, eps, -lr], float32 values.
   */
  adam(p: number, m: number, v: number, g: number, n: number, c: readonly number[]): void {
    const [b1, omb1, b2, omb2, d1, d2, eps, negLr] = c as [number, number, number, number, number, number, number, number];
    if (this.kernels) {
      this.kernels.adam(p * 4, m * 4, v * 4, g * 4, n * 4, b1, omb1, b2, omb2, d1, d2, eps, negLr);
      return;
    }
    const f = this.f32;
    const r = Math.fround;
    for (let i = 0; i < n; i++) {
      const gi = f[g + i]!;
      const mi = r(r(f[m + i]! * b1) + r(gi * omb1));
      const vi = r(r(f[v + i]! * b2) + r(r(gi * gi) * omb2));
      f[m + i] = mi;
      f[v + i] = vi;
      f[p + i] = r(r(r(r(mi / d1) / r(r(Math.sqrt(r(vi / d2))) + eps)) * negLr) + f[p + i]!);
    }
  }

  /** g ← a > 0 ? g : 0 over n floats (n a multiple of 4). */
  reluMask(g: number, a: number, n: number): void {
    if (this.kernels) return this.kernels.reluMask(g * 4, a * 4, n * 4);
    const f = this.f32;
    for (let i = 0; i < n; i++) if (!(f[a + i]! > 0)) f[g + i] = 0;
  }

  /** out[c] = Σ_r x[r·cols + c] (cols a multiple of 4). */
  colSum(x: number, out: number, rows: number, cols: number): void {
    if (this.kernels) return this.kernels.colSum(x * 4, out * 4, rows, cols * 4);
    const f = this.f32;
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += f[x + r * cols + c]!;
      f[out + c] = s;
    }
  }

  /** dst[j·dstStride + i] = src[i·srcStride + j] for a rows × cols block (float offsets and strides). */
  transpose(src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number): void {
    if (this.kernels) return this.kernels.transpose(src * 4, dst * 4, rows, cols, srcStride * 4, dstStride * 4);
    const f = this.f32;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) f[dst + j * dstStride + i] = f[src + i * srcStride + j]!;
  }

  /**
   * C = act(A·B + bias) on float offsets (see GemmKernel; here strides are in floats, n a multiple
   * of 4, m a multiple of 4, bias 0 for none).
   */
  gemm(a: number, sAi: number, sAk: number, b: number, c: number, m: number, k: number, n: number, bias: number, relu: boolean): void {
    if (this.kernels) {
      this.kernels.gemm(a * 4, sAi * 4, sAk * 4, b * 4, c * 4, m, k, n * 4, bias * 4, relu ? 1 : 0);
      return;
    }
    const f = this.f32;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = bias ? f[bias + j]! : 0;
        for (let q = 0; q < k; q++) s += f[a + i * sAi + q * sAk]! * f[b + q * n + j]!;
        f[c + i * n + j] = relu && s < 0 ? 0 : Math.fround(s);
      }
    }
  }
}
