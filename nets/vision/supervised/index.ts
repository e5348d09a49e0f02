// Supervised learning on frames (cs231n ch. 1, 2, 6): kNN, linear (softmax / SVM) and CNN
// classifiers, tasks read off frame datasets, k-fold cross-validation and random search.
export { type LabeledImages, accuracy, checkLabeled, imageSize, selectLabeled } from './labeled.js';
export { type Classifier, type FitSummary, evaluateClassifier } from './classifier.js';
export { KnnClassifier, majorityVote, pairwiseDistances, type Distance, type KnnConfig } from './knn.js';
export { softmaxLoss, svmLoss } from './losses.js';
export { LinearClassifier, type LinearConfig, type LinearLoss } from './linear.js';
export { CnnClassifier, cnnClassifierDefaults, cnnTrunkBlock, resolveCnnConfig, type CnnClassifierConfig, type CnnHeadConfig, type ConvLayerSpec, type ResolvedCnnConfig } from './cnn.js';
export { defaultPositionTask, formatPositionTask, frameImages, parsePositionTask, positionLabels, type PositionTask } from './tasks.js';
export { crossValidate, groupedFoldIndices, kFoldIndices, type CrossValidateOptions, type CrossValidationResult } from './crossValidate.js';
export { checkSearchSpace, randomSearch, sampleParams, type ParamSpec, type Params, type SearchResult, type SearchSpace, type SearchTrial } from './randomSearch.js';
export { SWEEP_MODELS, formatSweepReport, makeSweepClassifier, runSweep, sweepSpace, type SweepModel, type SweepOptions, type SweepReport } from './sweep.js';
export { jointPositionLabels } from './tasks.js';
export { FREEZE_MODES, featureRms, smallCnnSpecOf, transferEncoder, type FreezeMode, type TransferOptions, type TransferReport } from './transfer.js';
