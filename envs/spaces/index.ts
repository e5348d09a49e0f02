export { Space, describeValue, type SpaceJSON, type TypedArray, type BoxDType, type JsonNumber } from './space.js';
export { Discrete } from './discrete.js';
export { Box, allocBoxArray, type BoxArray } from './box.js';
export { MultiDiscrete } from './multiDiscrete.js';
export { MultiBinary } from './multiBinary.js';
export { Tuple } from './tuple.js';
export { Dict } from './dict.js';
export { spaceFromJSON } from './json.js';
