import { readdirSync, readFileSync } from 'node:fs';

// Where the CPU goes while a figure is measured: each process's user + system time from
// /proc/<pid>/stat, as cores used over the interval (2.0 = both cores of this machine, busy).

const TICKS_PER_SECOND = 100;

function ticks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Every PostgreSQL server process on this machine (the postmaster and its backends). */
export function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
}

export type Processes = Record<string, () => number[]>;

/** Busy ticks of the whole machine, every process of every user (from /proc/stat). */
function machineTicks(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

/** Starts measuring; the returned function gives cores used per process since then. */
export function cpuMeter(processes: Processes): () => Record<string, number> {
  const sample = () =>
    Object.fromEntries(
      Object.entries(processes).map(([name, pids]) => [
        name,
        new Map(pids().map((pid) => [pid, ticks(pid)])),
      ]),
    );
  const before = sample();
  const machineBefore = machineTicks();
  const started = performance.now();
  return () => {
    const after = sample();
    const machine = machineTicks() - machineBefore;
    const seconds = (performance.now() - started) / 1000;
    // Only processes alive at both ends: a backend that came or went in between is left out.
    const used = (name: string) =>
      [...after[name]!].reduce(
        (sum, [pid, t]) => sum + (before[name]!.has(pid) ? t - before[name]!.get(pid)! : 0),
        0,
      );
    const cores = (t: number) => Math.round((t / TICKS_PER_SECOND / seconds) * 100) / 100;
    // `machine`: every process on the machine, ours and others' (another engineer's tests).
    return {
      ...Object.fromEntries(Object.keys(processes).map((name) => [name, cores(used(name))])),
      machine: cores(machine),
    };
  };
}
