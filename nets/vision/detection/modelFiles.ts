// A vision model on disk: `<dir>/vision-model.json` (which model, its config) beside one folder per
// tfjs model (nets/io.ts format). The JSON is written atomically and last, so a directory with a
// readable JSON has complete weights under it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../envs/atomicWrite.js';

export const VISION_MODEL_FILE = 'vision-model.json';

interface VisionModelJson {
  kind: string;
  version: 1;
  config: unknown;
}

export function writeVisionModelJson(dir: string, kind: string, config: object): void {
  const body: VisionModelJson = { kind, version: 1, config };
  writeFileAtomic(join(dir, VISION_MODEL_FILE), `${JSON.stringify(body, null, 2)}\n`);
}

/** The saved config, after checking the file is there and describes a model of `kind`. */
export function readVisionModelJson(dir: string, kind: string): Record<string, unknown> {
  const path = join(dir, VISION_MODEL_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${kind} from ${path}: ${(err as Error).message}`);
  }
  const body = parsed as Partial<VisionModelJson> | null;
  if (!body || typeof body !== 'object' || body.kind !== kind || body.version !== 1 || typeof body.config !== 'object' || body.config === null) {
    throw new Error(`${path} does not describe a ${kind} (kind '${String(body?.kind)}', version ${String(body?.version)})`);
  }
  return body.config as Record<string, unknown>;
}
