// The SIMD helper thread (see helper.ts): our SIMD module on the shared wasm memory, running the part
// of a job it manages to take.
import { workerData } from 'node:worker_threads';
import { denseKeys, sweepDense, sweepDenseStrips, type DenseGeometry } from '../dense_sweep.js';
import { geometryKeys, sweepFilterGrad, type FilterGradGeometry } from '../filter_grad_sweep.js';
import { CALLABLE, DONE, H_JOBS, H_READY, H_SEQ, H_STATE, JOB_ADAM, JOB_CALL, JOB_DENSE, JOB_DENSE_STRIPS, JOB_FILTER_GRAD, POSTED, STOP, TAKEN, type HelperData } from './helper.js';
import { simdKernels, type SimdKernels } from './module.js';

const { memory, ctrl, args } = workerData as HelperData;
const k = simdKernels(memory);

function run(): void {
  if (args[0] === JOB_FILTER_GRAD) {
    const g = {} as FilterGradGeometry;
    geometryKeys.forEach((key, i) => (g[key] = args[i + 1]!));
    sweepFilterGrad(k!, g, args[geometryKeys.length + 1]!, args[geometryKeys.length + 2]!);
  } else if (args[0] === JOB_ADAM) {
    const a = Array.from(args.subarray(1, 17)) as Parameters<SimdKernels['adam']>;
    k!.adam(...a);
  } else if (args[0] === JOB_DENSE) {
    const g = {} as DenseGeometry;
    denseKeys.forEach((key, i) => (g[key] = args[i + 1]!));
    sweepDense(k!, g, args[denseKeys.length + 1]!, args[denseKeys.length + 2]!);
  } else if (args[0] === JOB_DENSE_STRIPS) {
    const g = {} as DenseGeometry;
    denseKeys.forEach((key, i) => (g[key] = args[i + 1]!));
    const at = denseKeys.length + 1;
    sweepDenseStrips(k!, g, args[at]!, args[at + 1]!, args[at + 2]!);
  } else if (args[0] === JOB_CALL) {
    const fn = k![CALLABLE[args[1]!]!] as (...a: number[]) => void;
    fn(...Array.from(args.subarray(2, 2 + fn.length)));
  }
}

if (k) {
  Atomics.store(ctrl, H_READY, 1);
  let seen = Atomics.load(ctrl, H_SEQ);
  for (;;) {
    Atomics.wait(ctrl, H_SEQ, seen);
    seen = Atomics.load(ctrl, H_SEQ);
    const state = Atomics.load(ctrl, H_STATE);
    if (state === STOP) break;
    if (state === POSTED && Atomics.compareExchange(ctrl, H_STATE, POSTED, TAKEN) === POSTED) {
      run();
      Atomics.add(ctrl, H_JOBS, 1);
      Atomics.store(ctrl, H_STATE, DONE);
      Atomics.notify(ctrl, H_STATE);
    }
  }
}
