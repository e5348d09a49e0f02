// Pinning AsyncVectorEnv's worker threads to CPUs (Linux).
//
// Why: on the 2-vCPU VMs we measured, the guest scheduler often ran both workers on one vCPU for tens
// of ms at a time (it packs threads onto few vCPUs), so a step of 8 envs on 2 workers took as long
// as in one thread (~500 µs instead of ~230). With each worker pinned to its own CPU that mode was
// gone. Node has no affinity API, so a worker pins itself with util-linux's `taskset` on its own
// thread id, once at start-up; without Linux or taskset it runs unpinned, as before.
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

/** Parses a kernel CPU list such as "0-3,6" into CPU numbers. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`not a CPU list: '${list}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** The CPUs a thread may run on (`Cpus_allowed_list` of /proc/<path>/status), or null off Linux. */
export function allowedCpus(procPath = 'self'): number[] | null {
  try {
    const status = readFileSync(`/proc/${procPath}/status`, 'utf8');
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
    return line ? parseCpuList(line[1]!) : null;
  } catch {
    return null;
  }
}

/** This thread's kernel thread id (Linux), or null. */
export function currentThreadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * The CPU for each of `numWorkers` workers: one CPU each, in order, when there are at least as many
 * allowed CPUs as workers; null (leave them to the scheduler) otherwise or off Linux.
 */
export function workerCpus(numWorkers: number, cpus: number[] | null = allowedCpus()): Array<number | null> {
  if (!cpus || cpus.length < numWorkers) return new Array<number | null>(numWorkers).fill(null);
  return Array.from({ length: numWorkers }, (_, k) => cpus[k]!);
}

/** Pins the calling thread, whose kernel thread id is `tid`, to `cpu`; true if it worked (Linux with util-linux's taskset). */
export function pinCurrentThread(cpu: number, tid: number | null = currentThreadId()): boolean {
  if (tid === null) return false;
  try {
    execFileSync('taskset', ['-p', '-c', String(cpu), String(tid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return false;
  }
  const now = allowedCpus('thread-self');
  return now !== null && now.length === 1 && now[0] === cpu;
}
