// The arithmetic of the fused dense-stack kernels: a WebAssembly SIMD matrix product over a memory of
// its own. Inputs are copied in and results out, so the same code serves the wasm back end (whose memory
// may be a plain or a SharedArrayBuffer) and the cpu back end (plain typed arrays). For the small nets it
// is meant for (a few thousand weights) the copies cost microseconds; tfjs's per-kernel overhead, which
// this replaces, costs tens of microseconds a kernel.
import { I32, V128, buildModule, op, type FuncDef } from './simd/asm.js';

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
const v128Load = [0xfd, 0x00, 4, 0];
const v128Store = [0xfd, 0x0b, 4, 0];
const f32x4Max = [0xfd, 0xe9, 0x01];
const selectV128 = [0x1c, 0x01, 0x7b];

/**
 * A 4×4 register block: four rows of A against one 4-wide column group of B, four independent
 * accumulators (one B load serves four rows), so the adds do not wait on each other.
 */
function gemmFunc(): FuncDef {
  const [a, sAi, sAk, b, c, M, K, nBytes, bias, relu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, j, k, pa0, pa1, pa2, pa3, pb, cp] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
  const [acc0, acc1, acc2, acc3, bv, init] = [19, 20, 21, 22, 23, 24];
  const accs = [acc0, acc1, acc2, acc3];
  const ptrs = [pa0, pa1, pa2, pa3];
  const mac = (acc: number, p: number): number[][] => [op.get(acc), op.get(p), f32Load, op.splat, op.get(bv), op.mul, op.add, op.set(acc)];
  const out = (acc: number, rowOffset: number[][]): number[][] => [
    op.get(cp), ...rowOffset, op.get(acc), op.v128Zero, f32x4Max, op.get(acc), op.get(relu), selectV128, v128Store,
  ];
  return {
    name: 'gemm',
    params: new Array(10).fill(I32),
    locals: [...new Array(9).fill(I32), ...new Array(6).fill(V128)],
    body: [
      op.i32(0), op.set(i),
      op.block, op.loop,
      op.get(i), op.get(M), op.i32GeU, op.brIf(1),
      op.i32(0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(nBytes), op.i32GeU, op.brIf(1),
      // init = bias ? bias[j..j+3] : 0 (address bias + j is always readable: offset 0 is reserved)
      op.get(bias), op.get(j), op.i32Add, v128Load, op.v128Zero, op.get(bias), selectV128, op.set(init),
      ...accs.flatMap((acc) => [op.get(init), op.set(acc)]),
      // pa_r = a + (i + r)·sAi
      op.get(a), op.get(i), op.get(sAi), op.i32Mul, op.i32Add, op.set(pa0),
      op.get(pa0), op.get(sAi), op.i32Add, op.set(pa1),
      op.get(pa1), op.get(sAi), op.i32Add, op.set(pa2),
      op.get(pa2), op.get(sAi), op.i32Add, op.set(pa3),
      op.get(b), op.get(j), op.i32Add, op.set(pb),
      op.i32(0), op.set(k),
      op.block, op.loop,
      op.get(k), op.get(K), op.i32GeU, op.brIf(1),
      op.get(pb), v128Load, op.set(bv),
      ...mac(acc0, pa0), ...mac(acc1, pa1), ...mac(acc2, pa2), ...mac(acc3, pa3),
      ...ptrs.flatMap((p) => [op.get(p), op.get(sAk), op.i32Add, op.set(p)]),
      op.get(pb), op.get(nBytes), op.i32Add, op.set(pb),
      op.get(k), op.i32(1), op.i32Add, op.set(k),
      op.br(0),
      op.end, op.end,
      // cp = c + i·nBytes + j; rows i..i+3
      op.get(c), op.get(i), op.get(nBytes), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(cp),
      ...out(acc0, []),
      ...out(acc1, [op.get(nBytes), op.i32Add]),
      ...out(acc2, [op.get(nBytes), op.get(nBytes), op.i32Add, op.i32Add]),
      ...out(acc3, [op.get(nBytes), op.get(nBytes), op.get(nBytes), op.i32Add, op.i32Add, op.i32Add]),
      op.get(j), op.i32(16), op.i32Add, op.set(j),
      op.br(0),
      op.end, op.end,
      op.get(i), op.i32(4), op.i32Add, op.set(i),
      op.br(0),
      op.end, op.end,
    ],
  };
}

// The project's lib (ES2023, no DOM) does not declare WebAssembly; this is the part used here.
interface WasmMemoryObject {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemoryObject;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { gemm?: GemmKernel } };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function compile(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([gemmFunc()])) : null;
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
  private kernel: GemmKernel | null = null;
  f32: Float32Array = new Float32Array(0);

  /** Makes room for `floats` floats (from offset 0) and returns the view. */
  reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    const mod = compile();
    if (mod && wasmApi) {
      if (!this.memory) {
        this.memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
        this.kernel = new wasmApi.Instance(mod, { env: { memory: this.memory } }).exports.gemm ?? null;
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
   * C = act(A·B + bias) on float offsets (see GemmKernel; here strides are in floats, n a multiple
   * of 4, m a multiple of 4, bias 0 for none).
   */
  gemm(a: number, sAi: number, sAk: number, b: number, c: number, m: number, k: number, n: number, bias: number, relu: boolean): void {
    if (this.kernel) {
      this.kernel(a * 4, sAi * 4, sAk * 4, b * 4, c * 4, m, k, n * 4, bias * 4, relu ? 1 : 0);
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
