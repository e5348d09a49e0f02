// AsyncVectorEnv pins each worker to its own CPU (Linux, via taskset) when there are enough CPUs,
// and leaves them to the scheduler when asked to, when there are more workers than CPUs, or when
// pinning is impossible.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeVec } from '../../envs/index.js';
import { allowedCpus, parseCpuList, workerCpus } from '../../envs/vector/affinity.js';

const fixtures = fileURLToPath(new URL('../fixtures/vector/envs.js', import.meta.url));
const ID = 'VecTest/BoxWalk-v0';

/** The CPUs thread `tid` of this process may run on, as the kernel reports them. */
const threadCpus = (tid: number): number[] | null => allowedCpus(`self/task/${tid}`);

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('CPU lists', () => {
  it('parses kernel CPU lists and rejects anything else', () => {
    expect(parseCpuList('0-3,6')).toEqual([0, 1, 2, 3, 6]);
    expect(parseCpuList('1\n')).toEqual([1]);
    expect(() => parseCpuList('0-a')).toThrow(/not a CPU list/);
  });

  it('gives each worker its own CPU only when there are enough', () => {
    expect(workerCpus(2, [0, 1])).toEqual([0, 1]);
    expect(workerCpus(2, [2, 5, 7])).toEqual([2, 5]);
    expect(workerCpus(3, [0, 1])).toEqual([null, null, null]);
    expect(workerCpus(2, null)).toEqual([null, null]);
  });
});

describe('AsyncVectorEnv worker pinning', () => {
  const cpus = allowedCpus();
  const linux = cpus !== null;

  it('pins each worker to its own CPU by default (Linux with taskset), and steps as usual', async () => {
    const vec = await makeVec(ID, 4, { async: true, numWorkers: 2, imports: [fixtures] });
    try {
      const states = vec.workerStates;
      if (linux && cpus.length >= 2 && hasTaskset()) {
        expect(states.map((w) => w.cpu)).toEqual([cpus[0], cpus[1]]);
        for (const w of states) expect(threadCpus(w.tid!)).toEqual([w.cpu]);
      } else {
        // Pinning impossible here: the workers say so and run unpinned.
        expect(states.every((w) => w.cpu === null)).toBe(true);
      }
      await vec.reset({ seed: 1 });
      const r = await vec.step(new Float32Array(8).fill(0.5)); // BoxWalk: a 2-d action per env
      expect(r.rewards.length).toBe(4);
      // Only the workers were pinned, not this thread.
      expect(allowedCpus()).toEqual(cpus);
    } finally {
      await vec.close();
    }
  });

  it('leaves workers unpinned with pinWorkers: false, or with more workers than CPUs', async () => {
    const off = await makeVec(ID, 2, { async: true, numWorkers: 2, imports: [fixtures], pinWorkers: false });
    const many = (cpus?.length ?? 1) + 1;
    const crowded = await makeVec(ID, many, { async: true, numWorkers: many, imports: [fixtures] });
    try {
      for (const vec of [off, crowded]) {
        expect(vec.workerStates.every((w) => w.cpu === null)).toBe(true);
        if (linux) for (const w of vec.workerStates) expect(threadCpus(w.tid!)).toEqual(cpus);
      }
    } finally {
      await off.close();
      await crowded.close();
    }
  });

  it('rejects a pinWorkers that is not a boolean before starting any thread', async () => {
    await expect(makeVec(ID, 2, { async: true, imports: [fixtures], pinWorkers: 'yes' as unknown as boolean })).rejects.toThrow(
      /pinWorkers must be true or false, got "yes"/,
    );
  });
});
