// A WebAssembly SIMD kernel that interleaves four uint8 frames into one [H, W, 4] stack (the hot
// loop of sampling stacked Atari observations), and for `add` compares frames and takes the newest
// frame out of a stack. Scalar JavaScript manages ~3 ns a pixel here; with
// 16-byte shuffles the kernel is ~10× faster. The module is assembled below from its opcodes (a
// few hundred bytes, no toolchain), validated, and used only if this Node supports wasm SIMD.
//
// interleave4(s0, s1, s2, s3, dst, n): for p in [0, n) step 16,
//   dst[4p .. 4p+63] = s0[p] s1[p] s2[p] s3[p] s0[p+1] s1[p+1] ... (n a multiple of 16)
// Two rounds of byte then 16-bit unpacking turn four vectors of 16 pixels into four output vectors.

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(Buffer.from(s, 'latin1'))];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const localGet = (i: number): number[] => [0x20, ...uleb(i)];
const localSet = (i: number): number[] => [0x21, ...uleb(i)];
const v128Load = (offset: number): number[] => [0xfd, ...uleb(0x00), 0, ...uleb(offset)];
const v128Store = (offset: number): number[] => [0xfd, ...uleb(0x0b), 0, ...uleb(offset)];
const shuffle = (lanes: number[]): number[] => [0xfd, ...uleb(0x0d), ...lanes];

// Byte unpack: a0 b0 a1 b1 … a7 b7 (low halves) and a8 b8 … a15 b15 (high halves).
const BYTES_LO = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const BYTES_HI = BYTES_LO.map((x) => x + 8);
// 16-bit unpack of (a,b) pairs with (c,d) pairs: a0 b0 c0 d0 a1 b1 c1 d1 …
const PAIRS_LO = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
const PAIRS_HI = PAIRS_LO.map((x) => x + 8);

function moduleBytes(): Uint8Array {
  // Params 0..5: s0 s1 s2 s3 dst n. Locals: 6 i; 7..10 the four frames' vectors; 11..14 unpacked pairs.
  const [S0, S1, S2, S3, DST, N, I] = [0, 1, 2, 3, 4, 5, 6];
  const [A, B, C, D, AB_LO, AB_HI, CD_LO, CD_HI] = [7, 8, 9, 10, 11, 12, 13, 14];
  const load = (src: number, into: number): number[] => [...localGet(src), ...localGet(I), 0x6a, ...v128Load(0), ...localSet(into)];
  const dstAddr = [...localGet(DST), ...localGet(I), 0x41, 2, 0x74, 0x6a]; // dst + 4 i
  const body = [
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...localGet(I), ...localGet(N), 0x4f, 0x0d, 1, // if i >= n break
    ...load(S0, A), ...load(S1, B), ...load(S2, C), ...load(S3, D),
    ...localGet(A), ...localGet(B), ...shuffle(BYTES_LO), ...localSet(AB_LO),
    ...localGet(A), ...localGet(B), ...shuffle(BYTES_HI), ...localSet(AB_HI),
    ...localGet(C), ...localGet(D), ...shuffle(BYTES_LO), ...localSet(CD_LO),
    ...localGet(C), ...localGet(D), ...shuffle(BYTES_HI), ...localSet(CD_HI),
    ...dstAddr, ...localGet(AB_LO), ...localGet(CD_LO), ...shuffle(PAIRS_LO), ...v128Store(0),
    ...dstAddr, ...localGet(AB_LO), ...localGet(CD_LO), ...shuffle(PAIRS_HI), ...v128Store(16),
    ...dstAddr, ...localGet(AB_HI), ...localGet(CD_HI), ...shuffle(PAIRS_LO), ...v128Store(32),
    ...dstAddr, ...localGet(AB_HI), ...localGet(CD_HI), ...shuffle(PAIRS_HI), ...v128Store(48),
    ...localGet(I), 0x41, 16, 0x6a, ...localSet(I), // i += 16
    0x0c, 0, // continue
    0x0b, 0x0b, // end loop, end block
  ];
  const func = [...vec([[1, I32], [8, V128]]), ...body, 0x0b];
  // equal(a, b, n) -> 1 if bytes [a, a+n) equal [b, b+n), n a multiple of 16. Params 0..2, local 3: i.
  const equalBody = [
    0x02, 0x40, 0x03, 0x40,
    ...localGet(3), ...localGet(2), 0x4f, 0x0d, 1, // if i >= n break
    ...localGet(0), ...localGet(3), 0x6a, ...v128Load(0),
    ...localGet(1), ...localGet(3), 0x6a, ...v128Load(0),
    0xfd, ...uleb(0x23), // i8x16.eq
    0xfd, ...uleb(0x63), // i8x16.all_true
    0x45, 0x04, 0x40, 0x41, 0, 0x0f, 0x0b, // if not all equal: return 0
    ...localGet(3), 0x41, 16, 0x6a, ...localSet(3),
    0x0c, 0,
    0x0b, 0x0b,
    0x41, 1, // return 1
  ];
  const equalFunc = [...vec([[1, I32]]), ...equalBody, 0x0b];
  // newest4(src, dst, n): dst[p] = src[4p + 3] for p in [0, n), n a multiple of 16: the newest frame
  // of a stack of 4. Params 0..2, locals 3: i, 4: src + 4i, 5..6 v128 halves.
  const NEWEST_LO = [3, 7, 11, 15, 19, 23, 27, 31, 0, 0, 0, 0, 0, 0, 0, 0];
  const HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const newestBody = [
    0x02, 0x40, 0x03, 0x40,
    ...localGet(3), ...localGet(2), 0x4f, 0x0d, 1,
    ...localGet(0), ...localGet(3), 0x41, 2, 0x74, 0x6a, ...localSet(4),
    ...localGet(4), ...v128Load(0), ...localGet(4), ...v128Load(16), ...shuffle(NEWEST_LO), ...localSet(5),
    ...localGet(4), ...v128Load(32), ...localGet(4), ...v128Load(48), ...shuffle(NEWEST_LO), ...localSet(6),
    ...localGet(1), ...localGet(3), 0x6a, ...localGet(5), ...localGet(6), ...shuffle(HALVES), ...v128Store(0),
    ...localGet(3), 0x41, 16, 0x6a, ...localSet(3),
    0x0c, 0,
    0x0b, 0x0b,
  ];
  const newestFunc = [...vec([[2, I32], [2, V128]]), ...newestBody, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(
      1,
      vec([
        [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0],
        [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])],
        [0x60, ...vec([[I32], [I32], [I32]]), 0],
      ]),
    ),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])), // imported memory, ≥ 1 page
    ...section(3, vec([[0], [1], [2]])),
    ...section(7, vec([[...name('interleave4'), 0x00, 0], [...name('equal'), 0x00, 1], [...name('newest4'), 0x00, 2]])),
    ...section(10, vec([[...uleb(func.length), ...func], [...uleb(equalFunc.length), ...equalFunc], [...uleb(newestFunc.length), ...newestFunc]])),
  ]);
}

// The project's TypeScript libs carry no WebAssembly types: the little used here, structurally.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Pixels the kernel handles per step: frames are processed in multiples of this. */
export const KERNEL_LANES = 16;

export type Interleave4 = (s0: number, s1: number, s2: number, s3: number, dst: number, n: number) => void;

/** The kernel's functions, bound to one wasm memory; addresses are byte offsets in it. */
export interface StackKernel {
  /** Interleaves n pixels (a multiple of 16) of four frames into dst, 4 bytes a pixel. */
  readonly interleave4: Interleave4;
  /** 1 if the n bytes (a multiple of 16) at a and at b are equal, else 0. */
  readonly equal: (a: number, b: number, n: number) => number;
  /** dst[p] = src[4p + 3] for n pixels (a multiple of 16): the newest frame of a stack of 4. */
  readonly newest4: (src: number, dst: number, n: number) => void;
}

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the SIMD kernel runs on this platform. */
export function stackKernelAvailable(): boolean {
  return kernelModule() !== null;
}

/** A fixed-size wasm memory of at least `bytes` bytes (never grown, so views on it stay valid). */
export function allocWasmMemory(bytes: number): WasmMemory {
  if (wasmApi === undefined) throw new Error('WebAssembly is not available');
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new wasmApi.Memory({ initial: pages, maximum: pages });
}

/** The kernel bound to `memory`, or null without wasm SIMD. */
export function createStackKernel(memory: WasmMemory): StackKernel | null {
  const mod = kernelModule();
  if (mod === null || wasmApi === undefined) return null;
  const instance = new wasmApi.Instance(mod, { env: { mem: memory } });
  return {
    interleave4: instance.exports['interleave4'] as Interleave4,
    equal: instance.exports['equal'] as StackKernel['equal'],
    newest4: instance.exports['newest4'] as StackKernel['newest4'],
  };
}
