import { Box, allocBoxArray, type BoxArray } from '../../spaces/box.js';
import type { BoxDType, Space } from '../../spaces/space.js';

/** How to read a pixel observation: H × W × C, HWC order. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** False for [H, W] observations (one channel, no channel axis). */
  readonly hasChannelAxis: boolean;
}

/** Reads the image layout of a uint8 Box space ([H, W] or [H, W, C]); throws a clear error otherwise. */
export function imageShapeOf(space: Space<unknown>, who: string): ImageShape {
  // Checked by dtype and shape, not instanceof, so a space from another copy of the module also passes.
  const shape = space.shape;
  if (space.dtype !== 'uint8' || (shape.length !== 2 && shape.length !== 3) || shape.some((d) => !(d > 0)))
    throw new TypeError(`${who}: needs pixel observations, a uint8 Box of shape [H, W] or [H, W, C]; got ${String(space)}`);
  return { height: shape[0]!, width: shape[1]!, channels: shape[2] ?? 1, hasChannelAxis: shape.length === 3 };
}

/** A uint8 Box of pixels with the given shape. */
export function pixelSpace(shape: readonly number[]): Space<Uint8Array> {
  return new Box(0, 255, shape, 'uint8') as unknown as Space<Uint8Array>;
}

/** The dtype of a Box observation space, for wrappers that work on any numeric array. */
export function boxDTypeOf(space: Space<unknown>, who: string): BoxDType {
  const d = space.dtype;
  if ((d !== 'uint8' && d !== 'float32' && d !== 'float64') || space.shape.length === 0)
    throw new TypeError(`${who}: needs array observations (a Box space); got ${String(space)}`);
  return d;
}

/** A fresh zeroed array of the space's kind. */
export function allocLike<O extends BoxArray>(dtype: BoxDType, size: number): O {
  return allocBoxArray(dtype, size) as O;
}

/** Throws when an observation does not have the length its space promises. */
export function checkLength(obs: ArrayLike<number>, size: number, who: string): void {
  if (obs.length !== size) throw new RangeError(`${who}: observation has ${obs.length} values, its space says ${size}`);
}
