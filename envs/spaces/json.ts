import { Box } from './box.js';
import { Dict } from './dict.js';
import { Discrete } from './discrete.js';
import { MultiBinary } from './multiBinary.js';
import { MultiDiscrete } from './multiDiscrete.js';
import { fromJsonNumber, type Space, type SpaceJSON } from './space.js';
import { Tuple } from './tuple.js';

/** Rebuilds a space from `space.toJSON()` (or its JSON.parse'd text). Throws on anything else. */
export function spaceFromJSON(json: SpaceJSON): Space {
  if (typeof json !== 'object' || json === null) throw new TypeError('spaceFromJSON: expected an object');
  switch (json.type) {
    case 'Discrete':
      return new Discrete(json.n, json.start ?? 0);
    case 'Box':
      return new Box(json.low.map(fromJsonNumber), json.high.map(fromJsonNumber), json.shape, json.dtype);
    case 'MultiDiscrete':
      return new MultiDiscrete(json.nvec, json.start);
    case 'MultiBinary':
      return new MultiBinary(json.n);
    case 'Tuple':
      return new Tuple(json.spaces.map(spaceFromJSON));
    case 'Dict': {
      const spaces: Record<string, Space> = {};
      for (const [k, v] of Object.entries(json.spaces)) spaces[k] = spaceFromJSON(v);
      return new Dict(spaces);
    }
    default:
      throw new TypeError(`spaceFromJSON: unknown space type ${JSON.stringify((json as { type?: unknown }).type)}`);
  }
}
