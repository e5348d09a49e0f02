// Every wasm kernel test of kernels.test.ts again, on the threaded build (2 XNNPACK threads, shared
// memory). The thread count is fixed per process, and vitest runs each file in its own fork, so this
// file sets it before the kernel tests load and start the back end.
process.env['PIXELGYM_WASM_THREADS'] = '2';
await import('./kernels.test.js');
