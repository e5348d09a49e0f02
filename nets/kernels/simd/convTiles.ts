// Convolutions as 4-pixel × 8-channel register tiles, the loops entirely in wasm (a JS call per tile
// would cost more than the tile for small layers). Pixels are numbered j = (n·OH + oh)·OW + ow over
// the whole batch, so a tile may span two images; only 'valid' convs without dilation come here
// (conv_tiles.ts checks). Both kernels stream the weights' 8-channel columns and splat one float of
// each of the tile's four pixel rows per step, the XNNPACK-style 4 × 8 micro-kernel.
import { I32, V128, addTo, forUp, op, repeat, type FuncDef, type ValType } from './asm.js';
import { tileStep } from './fma.js';

const rows4 = [0, 1, 2, 3];

/**
 * dst = base + n·img + oh·row + ow·col for pixel jj (a local), with plane = OH·OW and OW locals;
 * uses local r as scratch.
 */
function pixelAddress(dst: number, base: number, jj: number, plane: number, ow: number, img: number, row: number, col: number, r: number): number[][] {
  return [
    op.get(jj), op.get(plane), op.i32RemU, op.set(r),
    op.get(base),
    op.get(jj), op.get(plane), op.i32DivU, op.get(img), op.i32Mul, op.i32Add,
    op.get(r), op.get(ow), op.i32DivU, op.get(row), op.i32Mul, op.i32Add,
    op.get(r), op.get(ow), op.i32RemU, op.get(col), op.i32Mul, op.i32Add,
    op.set(dst),
  ];
}

/**
 * convTiles(x, w, out, j0, j1, jLast, plane, OW, imgBytes, rowStep, colStep, KH, kwc, khSkip, Cout, coCount, accumulate, wRow, wTileStep):
 * out[j, co] (+)= Σ_{kh, i < kwc} x[pixel j's window + kh·W·Cin + i] · w[kh·kwc + i, co] for j in
 * [j0, j1) (a multiple of 4 apart; pixels past jLast repeat jLast, writing the same values twice)
 * and co < coCount (a multiple of 8; Cout is the row length of out, wRow of w). kwc = KW·Cin (a window
 * row is contiguous in NHWC); khSkip = (W·Cin − kwc)·4 bytes. With accumulate ≠ 0 the sums are
 * added to out (a dense product's blocks of k, dense_sweep.ts). Output channels co..co+7 of w start
 * at w + (co / 8)·wTileStep bytes: 32 for a row-major w, more for one packed in 8-column strips.
 */
export function convTilesFunc(fma: boolean): FuncDef {
  const [x, w, out, j0, j1, jLast, plane, ow, img, rowStep, colStep, KH, kwc, khSkip, cout, coCount, accumulate, wRow, wTileStep] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
  ];
  const [j, t, q, o, kh, kk, jj, r, cStride, bStride, qTile] = [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29];
  const a0 = 30; // a0..a3: window starts of the tile's pixels
  const c0 = 34; // c0..c3: their output rows
  const acc0 = 38; // acc0 + 2i + h
  const [b0, b1, a] = [46, 47, 48];
  const locals: ValType[] = [...new Array<ValType>(19).fill(I32), ...new Array<ValType>(11).fill(V128)];
  return {
    name: 'convTiles',
    params: new Array<ValType>(19).fill(I32),
    locals,
    body: [
      op.get(cout), op.i32(4), op.i32Mul, op.set(cStride),
      op.get(wRow), op.i32(4), op.i32Mul, op.set(bStride),
      op.get(j0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(j1), op.i32GeU, op.brIf(1),
      ...rows4.flatMap((i) => [
        // jj = min(j + i, jLast)
        op.get(jLast), op.get(j), op.i32(i), op.i32Add, op.tee(jj), op.get(jj), op.get(jLast), op.i32GtU, op.select, op.set(jj),
        ...pixelAddress(a0 + i, x, jj, plane, ow, img, rowStep, colStep, r),
        op.get(out), op.get(jj), op.get(cStride), op.i32Mul, op.i32Add, op.set(c0 + i),
      ]),
      op.get(w), op.set(qTile),
      ...forUp(t, coCount, 8, [
        // acc = accumulate ? out row : 0 (no load otherwise: the output may be cold)
        op.get(accumulate), op.if,
        ...rows4.flatMap((i) => [
          op.get(c0 + i), op.get(t), op.i32(4), op.i32Mul, op.i32Add, op.load, op.set(acc0 + 2 * i),
          op.get(c0 + i), op.get(t), op.i32(4), op.i32Mul, op.i32Add, op.loadAt(16), op.set(acc0 + 2 * i + 1),
        ]),
        op.else,
        ...rows4.flatMap((i) => [op.v128Zero, op.set(acc0 + 2 * i), op.v128Zero, op.set(acc0 + 2 * i + 1)]),
        op.end,
        op.get(qTile), op.set(q),
        addTo(qTile, op.get(wTileStep)),
        op.i32(0), op.set(o),
        op.get(KH), op.set(kh),
        ...repeat(kh, [
          op.get(kwc), op.set(kk),
          ...repeat(kk, [
            ...tileStep(fma, q, (i) => [op.get(a0 + i), op.get(o), op.i32Add, op.splatLoadAt(0)], { acc0, b0, b1, a }),
            addTo(o, op.i32(4)),
            addTo(q, op.get(bStride)),
          ]),
          addTo(o, op.get(khSkip)),
        ]),
        ...rows4.flatMap((i) => [
          op.get(c0 + i), op.get(t), op.i32(4), op.i32Mul, op.i32Add, op.get(acc0 + 2 * i), op.store,
          op.get(c0 + i), op.get(t), op.i32(4), op.i32Mul, op.i32Add, op.get(acc0 + 2 * i + 1), op.storeAt(16),
        ]),
      ]),
      addTo(j, op.i32(4)),
      op.br(0),
      op.end, op.end,
    ],
  };
}

/**
 * packStrips(src, dst, rows, srcStride, strips, stripBytes): dst[c][r] = the c-th `stripBytes` (a
 * multiple of 16) of row r of src (rows srcStride apart), for c < strips: a matrix's column strips
 * made contiguous, reading each row's strips in order (whole cache lines, sequential within a row).
 */
export function packStripsFunc(): FuncDef {
  const [src, dst, rows, srcStride, strips, stripBytes] = [0, 1, 2, 3, 4, 5];
  const [r, c, i, from, to, planeBytes] = [6, 7, 8, 9, 10, 11];
  return {
    name: 'packStrips',
    params: new Array<ValType>(6).fill(I32),
    locals: new Array<ValType>(6).fill(I32),
    body: [
      op.get(rows), op.get(stripBytes), op.i32Mul, op.set(planeBytes),
      ...forUp(r, rows, 1, [
        op.get(src), op.get(r), op.get(srcStride), op.i32Mul, op.i32Add, op.set(from),
        op.get(dst), op.get(r), op.get(stripBytes), op.i32Mul, op.i32Add, op.set(to),
        op.get(strips), op.set(c),
        ...repeat(c, [
          ...forUp(i, stripBytes, 16, [
            op.get(to), op.get(i), op.i32Add,
            op.get(from), op.get(i), op.i32Add, op.load,
            op.store,
          ]),
          addTo(from, op.get(stripBytes)),
          addTo(to, op.get(planeBytes)),
        ]),
      ]),
    ],
  };
}

/**
 * scatterTiles(dy, wt, dx, j0, j1, plane, OW, imgBytes, rowStep, colStep, KH, KW, tapRowSkip, Cin, Cout):
 * the input gradient of a 'valid' conv, scattered: for pixels j in [j0, j1) (a multiple of 4 apart)
 * and every tap, dx[j's window + tap, ci] += Σ_co dy[j, co] · wt[tap, co, ci], with wt the filter
 * as [KH, KW, Cout, Cin]. dx must be zeroed; two calls may run at once only on disjoint images.
 * tapRowSkip = (W − KW)·Cin·4 bytes; Cin a multiple of 8.
 */
export function scatterTilesFunc(fma: boolean): FuncDef {
  const [dy, wt, dx, j0, j1, plane, ow, img, rowStep, colStep, KH, KW, tapRowSkip, cin, cout] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const [j, kh, kw, t, co, q, tOff, wTap, jj, r, wStride, tapBytes, at] = [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
  const d0 = 28; // d0..d3: dy rows of the tile's pixels
  const x0 = 32; // x0..x3: their windows' starts in dx
  const acc0 = 36;
  const [b0, b1, a] = [44, 45, 46];
  const locals: ValType[] = [...new Array<ValType>(21).fill(I32), ...new Array<ValType>(11).fill(V128)];
  return {
    name: 'scatterTiles',
    params: new Array<ValType>(15).fill(I32),
    locals,
    body: [
      op.get(cin), op.i32(4), op.i32Mul, op.set(wStride),
      op.get(cin), op.get(cout), op.i32Mul, op.i32(4), op.i32Mul, op.set(tapBytes),
      op.get(j0), op.set(j),
      op.block, op.loop,
      op.get(j), op.get(j1), op.i32GeU, op.brIf(1),
      ...rows4.flatMap((i) => [
        op.get(j), op.i32(i), op.i32Add, op.set(jj),
        op.get(dy), op.get(jj), op.get(cout), op.i32Mul, op.i32(4), op.i32Mul, op.i32Add, op.set(d0 + i),
        ...pixelAddress(x0 + i, dx, jj, plane, ow, img, rowStep, colStep, r),
      ]),
      op.i32(0), op.set(tOff),
      op.get(wt), op.set(wTap),
      op.get(KH), op.set(kh),
      ...repeat(kh, [
        op.get(KW), op.set(kw),
        ...repeat(kw, [
          ...forUp(t, cin, 8, [
            ...rows4.flatMap((i) => [op.v128Zero, op.set(acc0 + 2 * i), op.v128Zero, op.set(acc0 + 2 * i + 1)]),
            op.get(wTap), op.get(t), op.i32(4), op.i32Mul, op.i32Add, op.set(q),
            op.i32(0), op.set(at), // byte offset along the dy rows
            op.get(cout), op.set(co),
            ...repeat(co, [
              ...tileStep(fma, q, (i) => [op.get(d0 + i), op.get(at), op.i32Add, op.splatLoadAt(0)], { acc0, b0, b1, a }),
              addTo(at, op.i32(4)),
              addTo(q, op.get(wStride)),
            ]),
            ...rows4.flatMap((i) => [
              // at = x_i + tOff + t·4; dx[at..at+32) += acc row i
              op.get(x0 + i), op.get(tOff), op.i32Add, op.get(t), op.i32(4), op.i32Mul, op.i32Add, op.set(at),
              op.get(at), op.get(at), op.load, op.get(acc0 + 2 * i), op.add, op.store,
              op.get(at), op.get(at), op.loadAt(16), op.get(acc0 + 2 * i + 1), op.add, op.storeAt(16),
            ]),
          ]),
          addTo(tOff, op.get(wStride)),
          addTo(wTap, op.get(tapBytes)),
        ]),
        addTo(tOff, op.get(tapRowSkip)),
      ]),
      addTo(j, op.i32(4)),
      op.br(0),
      op.end, op.end,
    ],
  };
}
