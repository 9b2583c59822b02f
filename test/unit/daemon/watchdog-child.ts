/** A process with a watchdog, for watchdog.test.ts: prints the watchdog's pid, then idles (or exits on "exit" on stdin). */
import { Watchdog } from '../../../src/daemon/watchdog.js';
import { silentLogger } from '../../../src/log/logger.js';

const w = new Watchdog({ timeoutMs: Number(process.argv[2] ?? 600), logger: silentLogger });
w.start();
process.stdout.write('ready\n');
const keep = setInterval(() => undefined, 1000);
process.stdin.on('data', (d) => {
  if (String(d).includes('exit')) { clearInterval(keep); process.exit(0); }
  if (String(d).includes('block')) { const until = Date.now() + 3000; while (Date.now() < until) { /* a blocked event loop */ } }
});
