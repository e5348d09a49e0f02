export type { Color, Shape, RectShape, CircleShape, LineShape, PolygonShape, TextShape, Scene, Frame } from './scene.js';
export { rasterize } from './rasterize.js';
