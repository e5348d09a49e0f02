export { registerWasmKernels, wasmKernelsRegistered, wasmKernelOverrides } from './register.js';
