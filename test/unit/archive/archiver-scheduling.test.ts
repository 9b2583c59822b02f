/**
 * The archiver's scheduling class (src/archive/archiver-scheduling.ts): a
 * real `chrt` on a real child process, and what is reported when it cannot
 * be applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { applyArchiverScheduling, policyOfStat } from '../../../src/archive/archiver-scheduling.js';

const linux = process.platform === 'linux';

test('policyOfStat reads field 41, whatever the command name holds', () => {
  const fields = (comm: string, policy: number) => `1234 (${comm}) S ${Array.from({ length: 37 }, (_, i) => String(i + 4)).join(' ')} ${policy} 0 0`;
  const cases: Array<[string, number]> = [['node', 0], ['a b) c', 5], ['(x)', 3]];
  for (const [comm, policy] of cases) assert.equal(policyOfStat(fields(comm, policy)), policy, comm);
  assert.equal(policyOfStat(readFileSync('/proc/self/stat', 'utf8')), 0, 'this test runs SCHED_OTHER');
});

test('idle puts every thread of a process in SCHED_IDLE; nice leaves it alone', { skip: linux ? false : 'Linux only' }, async () => {
  for (const [wanted, policy] of [['idle', 5], ['nice', 0]] as const) {
    // A node child has several threads (V8, libuv): --all-tasks must reach each.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const outcome = applyArchiverScheduling(wanted, child.pid!);
      assert.deepEqual(outcome, wanted === 'idle' ? { kind: 'idle' } : { kind: 'nice', why: 'configured' });
      const tids = readdirSync(`/proc/${child.pid}/task`);
      assert.ok(tids.length > 1, 'the child has several threads');
      for (const t of tids) assert.equal(policyOfStat(readFileSync(`/proc/${child.pid}/task/${t}/stat`, 'utf8')), policy, `${wanted}: thread ${t}`);
    } finally {
      child.kill('SIGKILL');
    }
  }
});

test('where SCHED_IDLE cannot be had, the outcome says why (the nice value stays)', { skip: linux ? false : 'Linux only' }, () => {
  const path = process.env.PATH;
  try {
    process.env.PATH = '/nonexistent';
    assert.deepEqual(applyArchiverScheduling('idle'), { kind: 'nice', why: 'idle-refused', error: 'chrt not found (util-linux)' });
  } finally {
    process.env.PATH = path;
  }
  // A process that does not exist: chrt's own message.
  const gone = applyArchiverScheduling('idle', 2 ** 22 + 17);
  assert.equal(gone.kind, 'nice');
  assert.ok(gone.kind === 'nice' && gone.why === 'idle-refused' && /chrt|process|No such/i.test(gone.error), JSON.stringify(gone));
});
