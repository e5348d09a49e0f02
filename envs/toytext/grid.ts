/** A grid cell as [row, col], row 0 at the top. */
export type GridCell = readonly [row: number, col: number];

/** A move as a row and column offset. */
export interface Direction {
  readonly dRow: number;
  readonly dCol: number;
}

export const UP: Direction = { dRow: -1, dCol: 0 };
export const DOWN: Direction = { dRow: 1, dCol: 0 };
export const LEFT: Direction = { dRow: 0, dCol: -1 };
export const RIGHT: Direction = { dRow: 0, dCol: 1 };

/** The cell reached by one move, staying put at the border. */
export function moveClamped(row: number, col: number, dir: Direction, rows: number, cols: number): GridCell {
  return [Math.min(rows - 1, Math.max(0, row + dir.dRow)), Math.min(cols - 1, Math.max(0, col + dir.dCol))];
}

/** Checks a [row, col] pair read from user kwargs. */
export function checkCell(value: unknown, rows: number, cols: number, what: string): GridCell {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isInteger(v)))
    throw new TypeError(`${what} must be a [row, col] pair of integers, got ${JSON.stringify(value)}`);
  const [r, c] = value as [number, number];
  if (r < 0 || r >= rows || c < 0 || c >= cols) throw new RangeError(`${what} [${r}, ${c}] is outside the ${rows}×${cols} grid`);
  return [r, c];
}
