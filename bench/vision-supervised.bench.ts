// Supervised frame classifiers. Writes the 'supervised' section of bench/results/vision.json:
// held-out accuracy and fit/predict seconds of kNN, linear softmax / SVM and the CNN on Breakout's
// ball column (5 classes, 21×21 RGB frames of random play, 20% of episodes held out), and the 5-fold
// cross-validated accuracy of kNN for k = 1, 3, 5, 10 (L1 and L2). (Moved here from vision-transfer.)
import { make } from '../envs/index.js';
import { selectBackend } from '../nets/backend.js';
import { collectFrames } from '../nets/vision/data/index.js';
import { CnnClassifier, KnnClassifier, LinearClassifier, crossValidate, evaluateClassifier, positionLabels, type Classifier } from '../nets/vision/supervised/index.js';
import { writeResults } from './util.js';

async function supervised(): Promise<void> {
  const ds = collectFrames(make('MinAtar/Breakout-v1'), 'random', 1000, { seed: 1, width: 21, height: 21 });
  const { train, validation } = ds.split(0.8, 2, { byEpisode: true });
  const task = { kind: 'ball', axis: 'x', buckets: 5 } as const;
  const tr = positionLabels(train, task);
  const va = positionLabels(validation, task);
  const models: [string, () => Classifier][] = [
    ['knn k=1 L2', () => new KnnClassifier({ k: 1 })],
    ['knn k=5 L1', () => new KnnClassifier({ k: 5, distance: 'l1' })],
    ['linear softmax (SGD 0.05, 20 epochs)', () => new LinearClassifier({ loss: 'softmax', learningRate: 0.05, epochs: 20, seed: 1 })],
    ['linear SVM (SGD 0.01, 20 epochs)', () => new LinearClassifier({ loss: 'svm', learningRate: 0.01, epochs: 20, seed: 1 })],
    ['cnn (8 and 16 3×3 convs, 64 features, Adam 1e-3, 10 epochs)', () => new CnnClassifier({ epochs: 10, seed: 3 })],
  ];
  const classifiers: Record<string, unknown> = {};
  for (const [name, makeModel] of models) {
    const m = makeModel();
    const t0 = performance.now();
    await m.fit(tr);
    const t1 = performance.now();
    const accuracy = await evaluateClassifier(m, va);
    const t2 = performance.now();
    m.dispose();
    classifiers[name] = { validationAccuracy: accuracy, fitSeconds: (t1 - t0) / 1000, predictSeconds: (t2 - t1) / 1000 };
    console.log(`${name}: ${accuracy.toFixed(3)} (fit ${((t1 - t0) / 1000).toFixed(1)} s)`);
  }
  const cv: Record<string, unknown> = {};
  for (const distance of ['l1', 'l2'] as const) {
    for (const k of [1, 3, 5, 10]) {
      const r = await crossValidate(() => new KnnClassifier({ k, distance }), tr, 5, 4);
      cv[`${distance} k=${k}`] = { mean: r.mean, std: r.std };
    }
  }
  writeResults('vision.json', 'supervised', {
    task: "MinAtar/Breakout-v1 ball column (5 buckets), 21×21 RGB, random play, held-out episodes",
    trainImages: tr.labels.length,
    validationImages: va.labels.length,
    classifiers,
    knnCrossValidation5Fold: cv,
  });
}

export async function main(): Promise<void> {
  await selectBackend('wasm');
  await supervised();
}
