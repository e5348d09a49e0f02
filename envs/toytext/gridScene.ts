import type { Color, Scene, Shape } from '../render/scene.js';

/** What a grid cell is; also the `kind` label of its shape in the scene. */
export type GridCellKind = 'start' | 'frozen' | 'hole' | 'goal' | 'cliff' | 'wall' | 'empty' | 'trap';

export const GRID_CELL_COLORS: Readonly<Record<GridCellKind, Color>> = {
  start: 0x8ecae6,
  frozen: 0xdff3fb,
  hole: 0x1d3557,
  goal: 0xf4c542,
  cliff: 0x6b4226,
  wall: 0x4a4e57,
  empty: 0xf1f1ee,
  trap: 0xd62828,
};

export const GRID_AGENT_COLOR: Color = 0xff7f11;
const BACKGROUND: Color = 0x000000;

/** Scene units per cell: the default render is this many pixels a cell. */
export const GRID_CELL_SIZE = 16;

/**
 * One rect per cell (row-major, so shape i is state i) and the agent as a circle on top.
 * `agentState` < 0 draws no agent (before the first reset).
 */
export function gridScene(rows: number, cols: number, kinds: readonly GridCellKind[], agentState: number): Scene {
  const shapes: Shape[] = [];
  for (let s = 0; s < rows * cols; s++) {
    const kind = kinds[s]!;
    const row = Math.floor(s / cols);
    const col = s % cols;
    shapes.push({ type: 'rect', x: col * GRID_CELL_SIZE, y: row * GRID_CELL_SIZE, w: GRID_CELL_SIZE, h: GRID_CELL_SIZE, color: GRID_CELL_COLORS[kind], kind });
  }
  if (agentState >= 0) {
    const row = Math.floor(agentState / cols);
    const col = agentState % cols;
    shapes.push({
      type: 'circle',
      x: (col + 0.5) * GRID_CELL_SIZE,
      y: (row + 0.5) * GRID_CELL_SIZE,
      r: GRID_CELL_SIZE * 0.3,
      color: GRID_AGENT_COLOR,
      kind: 'agent',
    });
  }
  return { width: cols * GRID_CELL_SIZE, height: rows * GRID_CELL_SIZE, background: BACKGROUND, shapes };
}

/** Reads the optional `renderWidth` / `renderHeight` kwargs (positive integers or absent). */
export function renderSize(kwargs: Record<string, unknown>, key: 'renderWidth' | 'renderHeight'): number | null {
  const v = kwargs[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}
