/**
 * The watchdog against real processes: a daemon stopped with SIGSTOP, or
 * whose event loop blocks, is killed with SIGKILL (so its sockets close);
 * a daemon that exits leaves no watchdog behind and is never killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./watchdog-child.ts', import.meta.url));

function start(timeoutMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(timeoutMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const ready = new Promise<void>((resolve) => child.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); }));
  return { child, exited, ready };
}

/** Bash processes whose parent is `pid`'s watchdog: the children running our script. */
function watchdogsOf(pid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('callvault-watchdog') && l.includes(` ${pid}`) );
}

for (const how of ['SIGSTOP', 'a blocked event loop'] as const) {
  test(`a daemon frozen by ${how} is killed with SIGKILL within the watchdog's timeout`, async () => {
    const { child, exited, ready } = await Promise.resolve(start(600));
    await ready;
    await new Promise((r) => setTimeout(r, 300));
    const frozenAt = Date.now();
    if (how === 'SIGSTOP') child.kill('SIGSTOP');
    else child.stdin.write('block\n');
    const end = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    if (end === null) { child.kill('SIGKILL'); assert.fail('the frozen daemon was not killed within 5 s'); }
    assert.equal(end.signal, 'SIGKILL');
    // Not a timing target: only that it was the watchdog (600 ms), not something else much later.
    assert.ok(end.at - frozenAt < 3000, `killed ${end.at - frozenAt} ms after the freeze`);
  });
}

test('a daemon that exits leaves no watchdog behind, and a live one is not killed', async () => {
  const { child, exited, ready } = start(400);
  await ready;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(child.exitCode, null, 'a daemon that keeps its loop alive is not killed');
  assert.equal(watchdogsOf(child.pid!).length, 1, 'one watchdog runs beside it');
  child.stdin.write('exit\n');
  const end = await exited;
  assert.equal(end.code, 0);
  for (let i = 0; i < 50 && watchdogsOf(child.pid!).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(watchdogsOf(child.pid!), [], 'the watchdog exited with the daemon');
});
