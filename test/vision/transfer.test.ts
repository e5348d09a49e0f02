// Transfer learning: a CNN trunk pretrained on Catch frames becomes a DQN agent's encoder, frozen or
// fine-tuned, and the agent trains from pixels with it: through the agents' pretrained-encoder hook,
// and by copying it into an agent's net after the run is made (transferEncoder).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DqnAgent } from '../../agents/dqn.js';
import '../../agents/registry.js';
import { createRun } from '../../agents/train.js';
import { make } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';
import { copyWeights } from '../../nets/weights.js';
import { collectFrames } from '../../nets/vision/data/index.js';
import { CnnClassifier, evaluateClassifier, jointPositionLabels, smallCnnSpecOf, transferEncoder, type PositionTask } from '../../nets/vision/supervised/index.js';

// Catch rendered at 10×20 pixels (2 a cell), RGB: the frames the classifier and the agent both see.
const FRAME = { width: 10, height: 20 };
const TASKS: PositionTask[] = [
  { kind: 'ball', axis: 'x', buckets: 5 },
  { kind: 'paddle', axis: 'x', buckets: 5 },
];

let cnn: CnnClassifier;
let validationAccuracy = 0;

beforeAll(async () => {
  await selectBackend('wasm');
  const ds = collectFrames(make('Catch-v0', FRAME), 'random', 1000, { seed: 1 });
  const { train, validation } = ds.split(0.8, 1, { byEpisode: true });
  cnn = new CnnClassifier({ convs: [{ filters: 8, kernelSize: 3 }, { filters: 16, kernelSize: 3 }], features: 32, epochs: 15, seed: 1 });
  // Ball and paddle columns as one 25-way class: the trunk's features must locate both objects.
  await cnn.fit(jointPositionLabels(train, TASKS));
  validationAccuracy = await evaluateClassifier(cnn, jointPositionLabels(validation, TASKS));
});

function values(vars: readonly tf.LayerVariable[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.read().dataSync()));
}

/** The weights of the layers a transfer wrote (tfjs lists trainable weights first, so order by layer). */
function layerWeights(model: tf.LayersModel, names: readonly string[]): tf.LayerVariable[] {
  return names.flatMap((n) => model.getLayer(n).weights);
}

function same(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => v === b[i]![j]));
}

async function dqnRun(seed: number, totalSteps = 400) {
  return createRun({
    algo: 'dqn',
    preset: 'catch',
    env: 'Catch-v0',
    envKwargs: { obsType: 'rgb', ...FRAME },
    backend: 'wasm',
    seed,
    totalSteps,
    evalEvery: 400,
    evalEpisodes: 5,
    checkpointEvery: 100_000,
    config: {
      network: smallCnnSpecOf(cnn.config),
      preprocess: { grayscale: false, resize: null, frameSkip: 1, frameStack: 1, clipReward: false },
      learningStarts: 100,
      // The preset clips by global norm (10): frozen variables have no gradient and are left out of it.
    },
  });
}

/** The weights of the encoder copies nested in an agent's model (the pretrained-encoder hook). */
function nestedEncoderWeights(model: tf.LayersModel): tf.LayerVariable[] {
  return model.layers.filter((l): l is tf.LayersModel => l instanceof tf.LayersModel).flatMap((m) => m.weights);
}

describe('transfer to DQN on Catch-v0 from pixels', () => {
  it('the pretrained trunk locates ball and paddle on held-out frames', () => {
    console.log(`joint ball×paddle column accuracy (25 classes): ${validationAccuracy.toFixed(3)}`);
    expect(validationAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('a frozen pretrained encoder stays fixed while the Q head learns', async () => {
    const run = await dqnRun(3);
    const agent = run.agent as DqnAgent;
    const tensorsBefore = tf.memory().numTensors;
    const report = transferEncoder(cnn.trunk, agent.online, { freeze: 'all' });
    expect(tf.memory().numTensors).toBe(tensorsBefore); // weights are written in place
    // The target net gets the same encoder, frozen too, so both list their weights in one order.
    transferEncoder(cnn.trunk, agent.target, { freeze: 'all' });
    expect(report.layers.length).toBe(3);
    expect(report.frozen).toEqual(report.layers);
    expect(report.parameters).toBe(cnn.trunk.countParams());
    const encoder = layerWeights(agent.online, report.layers);
    const head = agent.online.weights.filter((w) => !encoder.includes(w));
    expect(encoder.length).toBe(6);
    expect(same(values(encoder), values(cnn.trunk.weights))).toBe(true);
    expect(agent.online.trainableWeights.length).toBe(head.length);
    const encoderBefore = values(encoder);
    const headBefore = values(head);
    const result = await run.start();
    expect(result.steps).toBe(400);
    expect(agent.updates).toBeGreaterThan(50);
    expect(same(values(encoder), encoderBefore)).toBe(true);
    expect(same(values(head), headBefore)).toBe(false);
    expect(result.evals.length).toBeGreaterThan(0);
    expect(Number.isFinite(result.evals.at(-1)!.meanReturn)).toBe(true);
    agent.dispose();
  });

  it("the agents' pretrained-encoder hook: DQN learns on the frozen trunk with gradient clipping on", async () => {
    const run = await createRun({
      algo: 'dqn',
      preset: 'catch',
      env: 'Catch-v0',
      envKwargs: { obsType: 'rgb', ...FRAME },
      backend: 'wasm',
      seed: 7,
      totalSteps: 400,
      evalEvery: 400,
      evalEpisodes: 5,
      checkpointEvery: 0,
      config: {
        network: { type: 'pretrained', source: cnn.trunk, freeze: true },
        preprocess: { grayscale: false, resize: null, frameSkip: 1, frameStack: 1, clipReward: false },
        learningStarts: 100,
      },
    });
    const agent = run.agent as DqnAgent;
    expect(agent.config.maxGradNorm).toBeGreaterThan(0);
    const encoder = nestedEncoderWeights(agent.online);
    expect(same(values(encoder), values(cnn.trunk.weights))).toBe(true);
    const head = agent.online.weights.filter((w) => !encoder.includes(w));
    const headBefore = values(head);
    const result = await run.start();
    expect(agent.updates).toBeGreaterThan(50);
    expect(same(values(encoder), values(cnn.trunk.weights))).toBe(true);
    expect(same(values(nestedEncoderWeights(agent.target)), values(cnn.trunk.weights))).toBe(true);
    expect(same(values(head), headBefore)).toBe(false);
    expect(Number.isFinite(result.evals.at(-1)!.meanReturn)).toBe(true);
    agent.dispose();
  });

  it('fine-tuning starts from the pretrained weights and changes them', async () => {
    const run = await dqnRun(4);
    const agent = run.agent as DqnAgent;
    const report = transferEncoder(cnn.trunk, agent.online, { freeze: 'none' });
    copyWeights(agent.online, agent.target);
    const encoder = layerWeights(agent.online, report.layers);
    expect(agent.online.trainableWeights.length).toBe(agent.online.weights.length);
    const pretrained = values(cnn.trunk.weights);
    expect(same(values(encoder), pretrained)).toBe(true);
    await run.start();
    expect(same(values(encoder), pretrained)).toBe(false);
    // The classifier's own trunk is untouched by the agent's training.
    expect(same(values(cnn.trunk.weights), pretrained)).toBe(true);
    agent.dispose();
  });

  it("freezing 'convs' keeps the convolutions fixed and trains the dense feature layer", async () => {
    const run = await dqnRun(6, 250);
    const agent = run.agent as DqnAgent;
    const report = transferEncoder(cnn.trunk, agent.online, { freeze: 'convs' });
    transferEncoder(cnn.trunk, agent.target, { freeze: 'convs' });
    expect(report.frozen).toEqual(report.layers.slice(0, 2));
    const convs = layerWeights(agent.online, report.frozen);
    const dense = layerWeights(agent.online, report.layers.slice(2));
    const [convsBefore, denseBefore] = [values(convs), values(dense)];
    await run.start();
    expect(agent.updates).toBeGreaterThan(20);
    expect(same(values(convs), convsBefore)).toBe(true);
    expect(same(values(dense), denseBefore)).toBe(false);
    agent.dispose();
  });

  it('outputScale scales the encoder output exactly (relu commutes with a positive factor)', () => {
    const copy = new CnnClassifier(cnn.config);
    copy.build([FRAME.height, FRAME.width, 3], 25);
    transferEncoder(cnn.trunk, copy.trunk, { freeze: 'none', outputScale: 0.25 });
    const x = tf.randomUniform([4, FRAME.height, FRAME.width, 3], 0, 1, 'float32', 5);
    const [a, b] = [cnn.trunk.predict(x) as tf.Tensor, copy.trunk.predict(x) as tf.Tensor];
    const [av, bv] = [a.dataSync(), b.dataSync()];
    expect(Math.max(...av)).toBeGreaterThan(0);
    av.forEach((v, i) => expect(bv[i]).toBeCloseTo(v * 0.25, 4));
    tf.dispose([x, a, b]);
    copy.dispose();
  });

  it('refuses a trunk that does not fit the agent network, changing nothing', async () => {
    const run = await dqnRun(5);
    const agent = run.agent as DqnAgent;
    const other = new CnnClassifier({ convs: [{ filters: 4, kernelSize: 3 }], features: 32 });
    other.build([FRAME.height, FRAME.width, 3], 25);
    const before = values(agent.online.weights);
    expect(() => transferEncoder(other.trunk, agent.online)).toThrow(/weights/);
    expect(() => transferEncoder(cnn.trunk, agent.online, { freeze: 'some' as 'all' })).toThrow(/freeze/);
    expect(() => transferEncoder(cnn.trunk, agent.online, { outputScale: 0 })).toThrow(/outputScale/);
    expect(same(values(agent.online.weights), before)).toBe(true);
    expect(agent.online.trainableWeights.length).toBe(agent.online.weights.length);
    other.dispose();
    agent.dispose();
  });
});
