// Saving and loading models in the tfjs "layers-model" format (model.json + weights.bin) with node:fs,
// so no tfjs-node is needed. Writes are atomic per file (temp file, fsync, rename); model.json is written
// last and records the byte count and SHA-256 of weights.bin, so a torn or corrupt pair is detected.
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildNet, makeEncoder, type EncoderSpec, type NetSpec } from './encoders.js';
import { reserveLayerNames } from './modules/naming.js';
import './modules/headLayers.js'; // registers the custom layers before any load
import './modules/attention.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Integrity record pixelgym adds to model.json (tfjs ignores unknown keys). */
interface Integrity {
  weightsBytes: number;
  weightsSha256: string;
}

type ModelJson = tf.io.ModelJSON & { pixelgym?: Integrity };

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes the weight specs describe. */
function specBytes(specs: tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    const size = BYTES[dtype];
    if (size === undefined) throw new Error(`weight ${s.name} has unsupported dtype ${dtype}`);
    total += size * s.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/** A tf.io.IOHandler that saves to and loads from `dir`/model.json + `dir`/weights.bin. */
export function fileIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('fileIOHandler: GraphDef (binary) models are not supported');
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const weights = new Uint8Array(weightData);
      const specs = artifacts.weightSpecs ?? [];
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        pixelgym: { weightsBytes: weights.byteLength, weightsSha256: sha256(weights) },
      };
      if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      await mkdir(dir, { recursive: true });
      await writeAtomic(join(dir, WEIGHTS_FILE), weights);
      const text = JSON.stringify(json);
      await writeAtomic(join(dir, MODEL_FILE), text);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(json.modelTopology).length,
          weightSpecsBytes: JSON.stringify(specs).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      return readArtifacts(dir);
    },
  };
}

/** Reads and verifies model.json and its weight files. Clear errors for missing, corrupt or truncated files. */
export async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${jsonPath}: ${(err as Error).message}`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new Error(`${jsonPath} is corrupt (not JSON: ${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${jsonPath} is not a tfjs layers model (needs modelTopology and weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const path = join(dir, p);
      try {
        parts.push(await readFile(path));
      } catch (err) {
        throw new Error(`cannot read weights file ${path}: ${(err as Error).message}`);
      }
    }
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.byteLength;
  }
  const expected = specBytes(specs);
  if (weights.byteLength !== expected) {
    throw new Error(
      `weights in ${dir} are truncated or corrupt: ${weights.byteLength} bytes on disk, but ${MODEL_FILE} lists ${specs.length} weights of ${expected} bytes`,
    );
  }
  const integrity = json.pixelgym;
  if (integrity !== undefined && integrity.weightsSha256 !== sha256(weights)) {
    throw new Error(`weights in ${dir} are corrupt: SHA-256 differs from the one recorded in ${MODEL_FILE}`);
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  return artifacts;
}

/** Saves `model` to `dir` (created if needed) as model.json + weights.bin. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileIOHandler(dir));
}

/** What a loaded model is checked against: a model of the right shape, or the spec that builds one. */
export type ExpectedModel = tf.LayersModel | NetSpec | EncoderSpec;

export interface LoadModelOptions {
  /** Fail with a clear error (layer name, both shapes) unless the file's weights have these shapes. */
  expect?: ExpectedModel;
}

function isNetSpec(x: NetSpec | EncoderSpec): x is NetSpec {
  return 'encoder' in x;
}

/** Throws if the weight specs do not match `model`'s weights one for one. */
export function checkWeightShapes(specs: tf.io.WeightsManifestEntry[], model: tf.LayersModel, where: string): void {
  const expected = model.weights;
  const n = Math.min(specs.length, expected.length);
  for (let i = 0; i < n; i++) {
    const got = specs[i]!;
    const want = expected[i]!;
    if (got.shape.join(',') !== want.shape.join(',')) {
      throw new Error(
        `${where}: shape mismatch at layer '${layerOf(got.name)}' weight '${leafOf(got.name)}': the file has [${got.shape.join(', ')}], ` +
          `the expected model's layer '${layerOf(want.originalName)}' has [${want.shape.join(', ')}]`,
      );
    }
  }
  if (specs.length !== expected.length) {
    const extra = specs.length > expected.length ? `the file's extra weight '${specs[n]!.name}'` : `the expected weight '${expected[n]!.originalName}' [${expected[n]!.shape.join(', ')}]`;
    throw new Error(`${where}: the file has ${specs.length} weights, the expected model ${expected.length} (first unmatched: ${extra})`);
  }
}

const layerOf = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('/'))) || name;
const leafOf = (name: string) => name.slice(name.lastIndexOf('/') + 1);

function withExpected<T>(expect: ExpectedModel, use: (m: tf.LayersModel) => T): T {
  if (expect instanceof tf.LayersModel) return use(expect);
  const model = isNetSpec(expect) ? buildNet(expect) : makeEncoder(expect);
  try {
    return use(model);
  } finally {
    model.dispose();
  }
}

/** Loads a model saved by `saveModel`, optionally checking its weight shapes first. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<tf.LayersModel> {
  const artifacts = await readArtifacts(dir);
  if (options.expect !== undefined) {
    withExpected(options.expect, (m) => checkWeightShapes(artifacts.weightSpecs ?? [], m, `loadModel(${dir})`));
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new Error(`loadModel(${dir}): ${(err as Error).message}`);
  }
  reserveLayerNames(allLayerNames(model));
  return model;
}

/** Loads the weights saved in `dir` into an existing model of the same architecture, in place. */
export async function loadWeightsInto(model: tf.LayersModel, dir: string): Promise<void> {
  const artifacts = await readArtifacts(dir);
  const specs = artifacts.weightSpecs ?? [];
  checkWeightShapes(specs, model, `loadWeightsInto(${dir})`);
  const decoded = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), specs);
  try {
    tf.tidy(() => model.weights.forEach((w, i) => w.write(decoded[specs[i]!.name]!)));
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

function allLayerNames(model: tf.LayersModel): string[] {
  return model.layers.flatMap((l) => (l instanceof tf.LayersModel ? [l.name, ...allLayerNames(l)] : [l.name]));
}
