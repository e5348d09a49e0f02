import type { Info } from '../core.js';
import type { VecInfos } from './types.js';

/** True when the info object has at least one key (checked without allocating). */
export function hasKeys(info: Info | null | undefined): boolean {
  if (!info) return false;
  for (const _ in info) return true;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Merges one info per env into the batched form described on `VecInfos`. A key whose value
 * is undefined counts as absent. Returns a fresh object; inputs are not modified.
 */
export function mergeInfos(infos: ReadonlyArray<Info | null | undefined>, numEnvs: number): VecInfos {
  const out: VecInfos = {};
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const info of infos) {
    if (!info) continue;
    for (const k in info) {
      if (!seen.has(k) && info[k] !== undefined) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  for (const key of keys) {
    const mask = new Uint8Array(numEnvs);
    let numbers = true;
    let booleans = true;
    let objects = true;
    for (let i = 0; i < numEnvs; i++) {
      const v = infos[i]?.[key];
      if (v === undefined) continue;
      mask[i] = 1;
      if (typeof v !== 'number') numbers = false;
      if (typeof v !== 'boolean') booleans = false;
      if (!isPlainObject(v)) objects = false;
    }
    out[key] = numbers
      ? Float64Array.from({ length: numEnvs }, (_, i) => (mask[i] ? (infos[i]![key] as number) : 0))
      : booleans
        ? Uint8Array.from({ length: numEnvs }, (_, i) => (mask[i] && infos[i]![key] ? 1 : 0))
        : objects
          ? mergeInfos(
              Array.from({ length: numEnvs }, (_, i) => (mask[i] ? (infos[i]![key] as Info) : null)),
              numEnvs,
            )
          : Array.from({ length: numEnvs }, (_, i) => (mask[i] ? infos[i]![key] : null));
    out[`_${key}`] = mask;
  }
  return out;
}
