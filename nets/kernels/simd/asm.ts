// A tiny WebAssembly binary writer: just enough to emit a few SIMD loops over the wasm back end's
// memory (no toolchain here can compile C to wasm, and the loops are short).

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

const v128LoadAt = (offset: number): number[] => [0xfd, ...uleb(0x00), 4, ...uleb(offset)];
const v128StoreAt = (offset: number): number[] => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)];

/** Instruction helpers; each returns its bytes. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Sub: [0x6b],
  i32GeU: [0x4f],
  i32GtU: [0x4b],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  /** select(a, b, cond): a when cond != 0, else b. */
  select: [0x1b],
  /** select with its result type spelled out (select t*: v128), as the dense-stack kernels write it. */
  selectV128: [0x1c, 0x01, V128],
  block: [0x02, 0x40],
  /** if (no result) ... else ... end */
  if: [0x04, 0x40],
  else: [0x05],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  // SIMD: 0xfd prefix, then the LEB128 opcode. Loads/stores take align (log2) and offset.
  load: v128LoadAt(0),
  /** v128.load at a constant byte offset from the address on the stack. */
  loadAt: v128LoadAt,
  /** v128.store at a constant byte offset from the address below the value on the stack. */
  storeAt: v128StoreAt,
  /** v128.load32_splat: one float from memory into all four lanes. */
  splatLoadAt: (offset: number) => [0xfd, ...uleb(0x09), 2, ...uleb(offset)],
  store: v128StoreAt(0),
  splat: [0xfd, ...uleb(0x13)],
  gt: [0xfd, ...uleb(0x44)],
  and: [0xfd, ...uleb(0x4e)],
  sqrt: [0xfd, ...uleb(0xe3)],
  max: [0xfd, ...uleb(0xe9)],
  add: [0xfd, ...uleb(0xe4)],
  sub: [0xfd, ...uleb(0xe5)],
  mul: [0xfd, ...uleb(0xe6)],
  div: [0xfd, ...uleb(0xe7)],
  /** f32x4.relaxed_madd (a * b + c, fused where the CPU has FMA): the relaxed-SIMD proposal. */
  relaxedMadd: [0xfd, ...uleb(0x105)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  /** i8x16.shuffle picking float lanes (0-3 from the first operand, 4-7 from the second). */
  shuffle32: (lanes: [number, number, number, number]) => [0xfd, ...uleb(0x0d), ...lanes.flatMap((f) => [f * 4, f * 4 + 1, f * 4 + 2, f * 4 + 3])],
};

/** do { body } while (--counter): the body runs `counter` (≥ 1) times. */
export function repeat(counter: number, body: number[][]): number[][] {
  return [op.loop, ...body, op.get(counter), op.i32(1), op.i32Sub, op.tee(counter), op.brIf(0), op.end];
}

/** for (v = 0; v < end; v += step) body, with `end` a local. */
export function forUp(v: number, end: number, step: number, body: number[][]): number[][] {
  return [
    op.i32(0), op.set(v),
    op.block, op.loop,
    op.get(v), op.get(end), op.i32GeU, op.brIf(1),
    ...body,
    op.get(v), op.i32(step), op.i32Add, op.set(v),
    op.br(0),
    op.end, op.end,
  ];
}

/** v += by, for a local v and an i32 expression `by`. */
export const addTo = (v: number, by: number[]): number[] => [...op.get(v), ...by, ...op.i32Add, ...op.set(v)];

export interface FuncDef {
  name: string;
  params: ValType[];
  locals: ValType[];
  body: number[][];
}

/** The most pages a wasm32 memory can have (4 GiB): emscripten's threaded build declares this maximum. */
export const maxMemoryPages = 65536;

/**
 * A module importing `env.memory` and exporting `funcs` (no results; all write to memory). A shared
 * memory (the threaded tfjs build's) must be imported as shared, which needs a maximum; declaring the
 * largest possible one matches any shared memory.
 */
export function buildModule(funcs: FuncDef[], sharedMemory = false): Uint8Array {
  const types = section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])])));
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(maxMemoryPages)] : [0x00, ...uleb(1)];
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]]));
  const functions = section(3, vec(funcs.map((_, i) => uleb(i))));
  const exports = section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [...uleb(1), t]));
    const code = [...locals, ...f.body.flat(), ...op.end];
    return [...uleb(code.length), ...code];
  });
  const code = section(10, vec(bodies));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
}
