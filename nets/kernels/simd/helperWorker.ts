// The SIMD helper thread (see helper.ts): our SIMD module on the shared wasm memory, taking chunks of
// each posted job (jobs.ts) until none are left.
import { workerData } from 'node:worker_threads';
import { DONE, H_JOBS, H_READY, H_SEQ, H_STATE, POSTED, STOP, TAKEN, takeChunks, type HelperData } from './helper.js';
import { runChunk } from './jobs.js';
import { simdKernels } from './module.js';

const { memory, ctrl, args } = workerData as HelperData;
const k = simdKernels(memory);

if (k) {
  Atomics.store(ctrl, H_READY, 1);
  let seen = Atomics.load(ctrl, H_SEQ);
  for (;;) {
    Atomics.wait(ctrl, H_SEQ, seen);
    seen = Atomics.load(ctrl, H_SEQ);
    const state = Atomics.load(ctrl, H_STATE);
    if (state === STOP) break;
    if (state === POSTED && Atomics.compareExchange(ctrl, H_STATE, POSTED, TAKEN) === POSTED) {
      const ran = takeChunks(ctrl, (c) => runChunk(k, args, c));
      Atomics.add(ctrl, H_JOBS, ran);
      Atomics.store(ctrl, H_STATE, DONE);
      Atomics.notify(ctrl, H_STATE);
    }
  }
}
