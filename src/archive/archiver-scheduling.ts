/**
 * The archiver's CPU scheduling class. The encode pool keeps every core busy
 * while a backlog drains; the daemon beside it must still answer a payment
 * pause within milliseconds. A nice value lowers the pool's share of the CPU
 * but not how fast the daemon gets a core back when it wakes: under EEVDF
 * (Linux 6.6 and later) a running task may keep its core until its slice
 * ends, whatever its nice value, and a pause is several wake-ups (AGI read,
 * journal write, AMI action, its reply). A SCHED_IDLE task is preempted at
 * once by any normal task that wakes on its core (check_preempt_wakeup_fair),
 * so the pool uses only the CPU the call path leaves, on every wake-up.
 *
 * Node cannot call sched_setscheduler, so the process asks `chrt` (util-linux,
 * essential in Debian) to move all its threads; threads made later inherit
 * the policy. Where that fails (no chrt, not Linux, a seccomp policy that
 * forbids it) the nice value set before stays in force, and the caller logs why.
 * docs/decisions.md ("The archiver runs SCHED_IDLE") has the figures.
 */
import { execFileSync } from 'node:child_process';

export type ArchiverScheduling = 'idle' | 'nice';

export type SchedulingOutcome =
  | { readonly kind: 'idle' }
  | { readonly kind: 'nice'; readonly why: 'configured' }
  | { readonly kind: 'nice'; readonly why: 'idle-refused'; readonly error: string };

/** Puts every thread of process `pid` in SCHED_IDLE when asked; the nice value already set stays otherwise. */
export function applyArchiverScheduling(wanted: ArchiverScheduling, pid: number = process.pid): SchedulingOutcome {
  if (wanted === 'nice') return { kind: 'nice', why: 'configured' };
  if (process.platform !== 'linux') return { kind: 'nice', why: 'idle-refused', error: `SCHED_IDLE is Linux only (this is ${process.platform})` };
  try {
    execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return { kind: 'idle' };
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer; message?: string };
    const error = e.code === 'ENOENT' ? 'chrt not found (util-linux)' : (e.stderr?.toString('utf8').trim() || e.message || String(err));
    return { kind: 'nice', why: 'idle-refused', error };
  }
}

/** The scheduling policy of one thread, from /proc/<pid>/task/<tid>/stat (field 41; 0 normal, 3 batch, 5 idle). */
export function policyOfStat(stat: string): number {
  // Field 2 (comm) is in parentheses and may hold spaces: count from the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  return Number(rest[41 - 3]);
}
