// Fused multiply-add for our SIMD loops. Wasm SIMD has no FMA; the relaxed-SIMD proposal's
// f32x4.relaxed_madd compiles to one vfmadd where the CPU has FMA3, against a mulps + addps pair:
// the 4 × 8 tile loops then run ~1.3× faster here (14.8–15.6 against 10.8–11.8 GMAC/s, L1-resident).
// Node 20's V8 (11.3) has it behind --experimental-wasm-relaxed-simd, which V8 reads when it
// validates a module, so turning it on at run time works; later V8s ship it on. Rounding differs
// from mul + add (one rounding instead of two) but is the same from run to run on one machine.
// PIXELGYM_WASM_FMA=0 keeps plain mul + add.
import { setFlagsFromString } from 'node:v8';
import { V128, buildModule, op } from './asm.js';

interface WasmValidate {
  validate(bytes: Uint8Array): boolean;
}

let enabled: boolean | undefined;

function probe(): Uint8Array {
  return buildModule([
    {
      name: 'probe',
      params: [],
      locals: [V128],
      body: [op.v128Zero, op.v128Zero, op.v128Zero, op.relaxedMadd, op.set(0)],
    },
  ]);
}

/** Whether our SIMD modules use f32x4.relaxed_madd (decided once per process). */
export function fmaEnabled(): boolean {
  if (enabled !== undefined) return enabled;
  const api = (globalThis as unknown as { WebAssembly?: WasmValidate }).WebAssembly;
  enabled = false;
  if (!api || process.env['PIXELGYM_WASM_FMA'] === '0') return enabled;
  const bytes = probe();
  let ok = false;
  try {
    ok = api.validate(bytes);
    if (!ok) {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      ok = api.validate(bytes);
    }
  } catch {
    ok = false;
  }
  enabled = ok;
  return enabled;
}

/** acc = a * b + acc, fused when fmaEnabled(); `acc`, `a`, `b` are v128 locals. */
function madd(fma: boolean, acc: number, a: number, b: number): number[][] {
  return fma
    ? [op.get(a), op.get(b), op.get(acc), op.relaxedMadd, op.set(acc)]
    : [op.get(acc), op.get(a), op.get(b), op.mul, op.add, op.set(acc)];
}

/** The v128 locals of a 4 × 8 tile step: eight accumulators from acc0 (row i's halves at acc0 + 2i, + 1), two b halves, one a. */
export interface TileLocals {
  acc0: number;
  b0: number;
  b1: number;
  a: number;
}

/**
 * One step of a 4 × 8 register tile: loads 8 floats of b at local q, then for each row i splats the
 * float `splatA(i)` leaves on the stack and adds a·b into row i's accumulators. The micro-kernel
 * every tile loop (outerTile, convTiles, scatterTiles) runs.
 */
export function tileStep(fma: boolean, q: number, splatA: (i: number) => number[][], l: TileLocals): number[][] {
  return [
    op.get(q), op.load, op.set(l.b0),
    op.get(q), op.loadAt(16), op.set(l.b1),
    ...[0, 1, 2, 3].flatMap((i) => [
      ...splatA(i), op.set(l.a),
      ...madd(fma, l.acc0 + 2 * i, l.a, l.b0),
      ...madd(fma, l.acc0 + 2 * i + 1, l.a, l.b1),
    ]),
  ];
}
