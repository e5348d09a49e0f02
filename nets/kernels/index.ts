export {
  missingWasmKernels,
  registerWasmKernels,
  unregisterWasmKernels,
  wasmKernelOverrides,
  wasmKernelsRegistered,
} from './register.js';
