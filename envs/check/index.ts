export { checkEnv, type CheckEnvOptions } from './checkEnv.js';
export { EnvCheckError, type CheckName, type CheckOutcome, type EnvCheckReport } from './envCheckError.js';
export { isSpaceLike } from './isSpace.js';
export { cloneValue, valuesEqual } from './values.js';
