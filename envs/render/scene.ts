/**
 * A small 2-D vector description of what an env shows. Our rasterizer turns it into pixels
 * (deterministically, no DOM), and the pixi viewer draws the same scene as vector graphics.
 * Coordinates are in scene units: x to the right, y downwards, (0,0) the top-left corner of
 * a `width` × `height` canvas. `kind` names the object behind a shape (ground truth for vision).
 */
export type Color = number; // 0xRRGGBB

interface ShapeBase {
  color: Color;
  /** The object kind this shape belongs to, e.g. 'ball', 'paddle', 'brick'. */
  kind?: string;
}

export interface RectShape extends ShapeBase {
  type: 'rect';
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CircleShape extends ShapeBase {
  type: 'circle';
  x: number;
  y: number;
  r: number;
}

export interface LineShape extends ShapeBase {
  type: 'line';
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  width: number;
}

export interface PolygonShape extends ShapeBase {
  type: 'polygon';
  /** Flat list of vertices: x0, y0, x1, y1, … */
  points: number[];
}

export interface TextShape extends ShapeBase {
  type: 'text';
  x: number;
  y: number;
  text: string;
  /** Glyph height in scene units. */
  size: number;
}

export type Shape = RectShape | CircleShape | LineShape | PolygonShape | TextShape;

export interface Scene {
  width: number;
  height: number;
  background: Color;
  shapes: Shape[];
}

/** An RGB image, row-major, 3 bytes a pixel. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8Array;
}
