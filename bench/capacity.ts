/**
 * Capacity of one sidecar (issue 11): the REAL compiled daemon
 * (`node bin/callvault.js run`, as production runs it) driven over real
 * sockets by bench/pbx-player.ts playing Asterisk: each call's AMI event
 * stream replayed from the shape measured on the sandbox Asterisk
 * (bench/asterisk-call-shape.json, made by bench/ami-shape.ts), FastAGI
 * consent with a 4 s notice and the objection wait, a payment pause on
 * recorded calls, and a real WAV of the call's audio at hangup.
 *
 * `--pbx freeswitch`: the same calls through FreeSWITCH's Event Socket: the
 * inbound link, an outbound socket per consent and per payment edge,
 * uuid_record start/mask/unmask, the WAV at its path, events as heavy as the
 * sandbox FreeSWITCH's (bench/freeswitch-call-shape.json). `--fs-player lite`
 * (default) plays it with bench/freeswitch-lite-player.ts, light enough for
 * 5,000 calls; `--fs-player sim` with the test FreeSWITCH running
 * callvault.xml (bench/freeswitch-player.ts), which saturates from 1,000.
 *
 * Each step holds C concurrent calls in steady state: calls last 60 to 300 s
 * (mean 180 s) and arrive at C/180 per second, as in a real centre. What is
 * compressed is only the ramp: the C calls in progress when a step starts
 * are set up in seconds, each at a random point of its life, instead of over
 * three minutes. The measured window then has the real arrival rate, the
 * real number of sessions in memory and the real audio inflow (C x 25%
 * audio hours per hour), so the figures are those of the real load.
 *
 *   npm run build && npx tsx bench/capacity.ts [--pbx asterisk|freeswitch] [--fs-player lite|sim] [--quick] [--steps 200,500] [--window 30] [--events strict|read-all] [--no-archive]
 *   npx tsx bench/capacity.ts --pause-check [--archive-scheduling idle|nice]   # pause p99, archive idle vs saturated (500 calls)
 *
 * Prints one row per step; asserts nothing. CPU is from /proc/PID/stat.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { AmiPlayer, agiSession, landRecording, speechWav, type ShapeEvent } from './pbx-player.js';
import { FsPlayer } from './freeswitch-player.js';
import { FsLitePlayer } from './freeswitch-lite-player.js';
import { BENCH_PROMPTS, loadShape, type FsBenchPlayer } from './support/freeswitch-bench-shape.js';
import { writeBenchConfig } from './support/daemon-config.js';
import { SpoolSampler } from '../src/archive/spool-sampler.js';
import { pct } from './support/percentile.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const quick = argv.includes('--quick');
const pauseCheck = argv.includes('--pause-check');
const steps = (opt('--steps') ?? (quick ? '200,1000' : '200,500,1000,2000,5000')).split(',').map(Number);
const windowS = Number(opt('--window') ?? (quick ? '15' : '30'));
const eventsKind = (opt('--events') ?? 'read-all') as 'strict' | 'read-all';
const noArchive = argv.includes('--no-archive');
const recordingsTmpfs = argv.includes('--recordings-tmpfs');
const archiveScheduling = opt('--archive-scheduling') as 'idle' | 'nice' | undefined;
if (archiveScheduling !== undefined && archiveScheduling !== 'idle' && archiveScheduling !== 'nice') { console.error(`bench: --archive-scheduling is idle or nice, not ${archiveScheduling}`); process.exit(2); }
const pbx = (opt('--pbx') ?? 'asterisk') as 'asterisk' | 'freeswitch';
if (pbx !== 'asterisk' && pbx !== 'freeswitch') { console.error(`bench: --pbx is asterisk or freeswitch, not ${String(pbx)}`); process.exit(2); }
if (pbx === 'freeswitch' && pauseCheck) { console.error('bench: --pause-check plays Asterisk only'); process.exit(2); }
// lite: bench/freeswitch-lite-player.ts (one timer heap, pre-rendered frames); sim: the test FreeSWITCH running callvault.xml (bench/freeswitch-player.ts).
const fsPlayerKind = (opt('--fs-player') ?? 'lite') as 'lite' | 'sim';
if (fsPlayerKind !== 'lite' && fsPlayerKind !== 'sim') { console.error(`bench: --fs-player is lite or sim, not ${String(fsPlayerKind)}`); process.exit(2); }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The bench's own event-loop delay: client-side latencies include it.
const benchLoop = monitorEventLoopDelay({ resolution: 1 });
benchLoop.enable();
// The bench's own longest garbage collection, to tell its loop stalls apart (GC, or something else).
let benchGcMaxMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) benchGcMaxMs = Math.max(benchGcMaxMs, e.duration); }).observe({ entryTypes: ['gc'] });

const DURATIONS_S = [60, 120, 180, 240, 300];
const MEAN_S = 180;
const NOTICE_MS = 4000;
const PAYMENT_S = 30;
const TARGETS = { consentP99: 20, pauseP99: 10, eldP99: 10, rssMb: 300, cpuPct: 90 };

if (!existsSync(join(repo, 'dist/cli/main.js'))) { console.error('bench: build first: npm run build'); process.exit(2); }
const shapeFile = JSON.parse(readFileSync(opt('--shape') ?? join(repo, 'bench/asterisk-call-shape.json'), 'utf8')) as { users: Record<string, { sequence: ShapeEvent[]; eventsPerCall: number }>; measuredAt: string };
const sequence = shapeFile.users[eventsKind]!.sequence;
const firstEnd = sequence.findIndex((e) => /^(Hangup|HangupRequest|SoftHangupRequest)$/.test(e.name));
const startEvents = sequence.slice(0, firstEnd < 0 ? sequence.length : firstEnd);
const endEvents = sequence.slice(firstEnd < 0 ? sequence.length : firstEnd);
if (!endEvents.some((e) => e.name === 'Hangup' && e.fields.Uniqueid === '{ID}')) endEvents.push({ name: 'Hangup', fields: { Uniqueid: '{ID}', Cause: '16', 'Cause-txt': 'Normal Clearing' } });
const subst = (events: ShapeEvent[], id: string): ShapeEvent[] => events.map((e) => ({ name: e.name, fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, v.split('{ID}').join(id)])) }));

// One WAV per duration, muted (digital silence, as MixMonitorMute writes) over the payment.
const wavs = new Map(DURATIONS_S.map((d) => [d, speechWav(d, d / 2, PAYMENT_S)]));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function procCpuS(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ = 100 on Linux
}
function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}
function childPids(pid: number): number[] {
  try { return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
}
function archiverPid(daemon: number): number | null {
  for (const c of childPids(daemon)) {
    try { if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('archiver-worker')) return c; } catch { /* gone */ }
  }
  return null;
}
/** Cumulative bucket counts of a daemon histogram (all label sets summed), by upper bound in ms. */
async function buckets(port: number, name: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} ([0-9.eE+-]+)$`, 'gm'))) {
      const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]) * 1000;
      out.set(le, (out.get(le) ?? 0) + Number(m[2]));
    }
  } catch { /* no metrics */ }
  return out;
}
/** The bucket bound under which p% of the observations between two scrapes fall: "p99 <= X ms". */
function bucketPct(a: Map<number, number>, b: Map<number, number>, p: number): number | null {
  const les = [...b.keys()].sort((x, y) => x - y);
  const total = (b.get(Number.POSITIVE_INFINITY) ?? 0) - (a.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return null;
  for (const le of les) if ((b.get(le)! - (a.get(le) ?? 0)) >= (p / 100) * total) return le;
  return null;
}
async function metric(port: number, name: string): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  } catch { return null; }
}
const fsShape = pbx === 'freeswitch' ? loadShape() : null;
interface Stack { dir: string; daemon: ChildProcess; ami: AmiPlayer | null; fs: FsBenchPlayer | null; agiPort: number; metricsPort: number; recordings: string; spool: string; storage: string }

async function startStack(archive: boolean, t: Tally): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'cv-capacity-'));
  writeFileSync(join(dir, 'hash.key'), randomBytes(32), { mode: 0o600 });
  execFileSync('age-keygen', ['-o', join(dir, 'qa.key')], { stdio: 'pipe' });
  const recipient = execFileSync('age-keygen', ['-y', join(dir, 'qa.key')], { encoding: 'utf8' }).trim();
  const storage = join(dir, 'store');
  mkdirSync(storage, { mode: 0o700 });
  chmodSync(storage, 0o700);
  // --recordings-tmpfs: the PBX's recordings on /dev/shm, apart from the spool's disk (does the PBX's writing slow the daemon's fsyncs?).
  const recordings = recordingsTmpfs ? mkdtempSync('/dev/shm/cv-capacity-rec-') : join(dir, 'rec');
  if (!recordingsTmpfs) mkdirSync(recordings);
  const agiPort = await freePort();
  const metricsPort = await freePort();
  let ami: AmiPlayer | null = null;
  let fs: FsBenchPlayer | null = null;
  let config: string;
  if (pbx === 'asterisk') {
    ami = new AmiPlayer();
    await ami.listen();
    config = writeBenchConfig(dir, { pbx: { type: 'asterisk', amiPort: ami.port, agiPort }, metricsPort, recordings, recipient, ...(archiveScheduling ? { scheduling: archiveScheduling } : {}) });
  } else {
    // agiPort is the daemon's outbound listener: where the dialplan's socket application connects.
    const playerOpts = { outboundPort: agiPort, noticeMs: NOTICE_MS, shape: fsShape! };
    fs = fsPlayerKind === 'lite' ? new FsLitePlayer(playerOpts) : new FsPlayer(playerOpts);
    await fs.start(t);
    config = writeBenchConfig(dir, { pbx: { type: 'freeswitch', eslPort: fs.port, outboundPort: agiPort, prompts: BENCH_PROMPTS }, metricsPort, recordings, recipient });
  }
  const { openSync } = await import('node:fs');
  const log = openSync(join(dir, 'daemon.log'), 'w');
  // CV_BENCH_PROF=1: V8's tick profiler in the daemon (written as it goes, so it survives the SIGKILL at the end).
  const daemon = spawn(process.execPath, [...(process.env.CV_BENCH_PROF ? ['--prof'] : []), join(repo, 'bin/callvault.js'), 'run', '--config', config, ...(archive ? [] : ['--no-archive'])], { cwd: dir, stdio: ['ignore', log, 'inherit'] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${metricsPort}/healthz`).then((x) => x.json() as Promise<{ link: string; archiver: string }>, () => null);
    if (r !== null && r.link === 'up' && (!archive || r.archiver === 'running')) break;
    if (Date.now() > deadline) throw new Error(`daemon not ready: ${JSON.stringify(r)}`);
    await sleep(100);
  }
  return { dir, daemon, ami, fs, agiPort, metricsPort, recordings, spool: join(storage, 'spool'), storage };
}

async function stopStack(s: Stack): Promise<void> {
  if (process.env.CV_BENCH_PROF) {
    const log = readdirSync(s.dir).find((n) => n.startsWith('isolate-') && n.endsWith('.log'));
    if (log !== undefined) {
      const text = execFileSync(process.execPath, ['--prof-process', join(s.dir, log)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
      const out = join(tmpdir(), `cv-capacity-profile-${Date.now()}.txt`);
      writeFileSync(out, text);
      console.error(`  daemon profile: ${out}\n${text.split('\n').slice(0, 40).join('\n')}`);
    }
  }
  // The daemon's children (archiver, watchdog) go with it: nothing of this step may run into the next.
  const children = childPids(s.daemon.pid!);
  const done = new Promise((r) => s.daemon.once('exit', r));
  s.daemon.kill('SIGKILL');
  for (const c of children) { try { process.kill(c, 'SIGKILL'); } catch { /* gone */ } }
  await done;
  await s.ami?.close();
  await s.fs?.close().catch(() => undefined);
  for (let i = 0; ; i++) {
    try { rmSync(s.dir, { recursive: true, force: true }); if (recordingsTmpfs) rmSync(s.recordings, { recursive: true, force: true }); break; } catch (err) { if (i > 20) throw err; await sleep(200); }
  }
}

interface Tally { consent: number[]; pause: number[]; pauseFailed: number; recorded: number; calls: number; audioLandedS: number; measuring: boolean }

/** One call's life, from `ageS` seconds into it; hangs up at `durationS`. */
async function call(s: Stack, t: Tally, durationS: number, ageS: number, live: Set<Promise<void>>, payEveryS: number | null): Promise<void> {
  if (s.fs !== null) { await s.fs.call(durationS, ageS, PAYMENT_S); t.calls++; return; }
  const ami = s.ami!;
  const id = `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;
  const channel = `PJSIP/trunk-${randomBytes(4).toString('hex')}`;
  const vars = new Map<string, string>();
  const measuring = () => t.measuring;
  // A call already in progress when the step starts (the compressed ramp) made its start events before: only new calls send them.
  if (ageS === 0) ami.emit(subst(ami.sendable(startEvents), id));
  const env = (script: string) => ({
    network: 'yes', network_script: script, request: `agi://127.0.0.1:${s.agiPort}/${script}`, channel, language: 'en', type: 'PJSIP', uniqueid: id,
    version: '22.10.1', callerid: `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`, calleridname: 'Caller', callingpres: '0', callingani2: '0', callington: '0', callingtns: '0',
    dnid: 'bench', rdnis: 'unknown', context: 'callvault-demo-ivr', extension: 'bench', priority: '2', enhanced: '0.0', accountcode: '', threadid: '140000000000000',
    ...(script === 'consent' ? { arg_1: 'bench', arg_2: `agent-${Math.floor(Math.random() * 2000)}` } : {}),
  });
  const began = Date.now() - ageS * 1000;
  const consentMeasured = measuring();
  const consent = await agiSession(s.agiPort, env('consent'), vars, { promptMs: NOTICE_MS });
  if (consentMeasured && measuring() && consent.latencyMs !== null) t.consent.push(consent.latencyMs);
  t.calls++;
  const at = (sec: number) => sleep(Math.max(0, began + sec * 1000 - Date.now()));
  if (consent.wav !== null) {
    t.recorded++;
    const payAt = durationS / 2;
    if (payEveryS !== null) {
      // Pause check: a payment every payEveryS seconds of the call, for enough pauses per window to read a p99.
      for (let k = Math.ceil(ageS / payEveryS) * payEveryS + payEveryS * Math.random(); k + 3 < durationS; k += payEveryS) {
        await at(k);
        const m = measuring();
        const enter = await agiSession(s.agiPort, env('payment-enter'), vars, { promptMs: 0 });
        if (m && measuring()) { if (enter.pause === 'confirmed' && enter.latencyMs !== null) t.pause.push(enter.latencyMs); else t.pauseFailed++; }
        await at(k + 3);
        await agiSession(s.agiPort, env('payment-exit'), vars, { promptMs: 0 });
      }
    } else if (ageS < payAt) {
      await at(payAt);
      const m = measuring();
      const enter = await agiSession(s.agiPort, env('payment-enter'), vars, { promptMs: 0 });
      if (m && measuring()) { if (enter.pause === 'confirmed' && enter.latencyMs !== null) t.pause.push(enter.latencyMs); else t.pauseFailed++; }
      await at(payAt + PAYMENT_S);
      await agiSession(s.agiPort, env('payment-exit'), vars, { promptMs: 0 });
    }
  }
  await at(durationS);
  ami.emit(subst(ami.sendable(endEvents), id));
  if (consent.wav !== null) {
    await landRecording(consent.wav, wavs.get(durationS)!);
    if (measuring()) t.audioLandedS += durationS;
  }
  void live;
}

interface Row {
  calls: number; load: string; cpuPct: number; benchPct: number; rss: number; eldP99: number | null; consentP50: number; consentP99: number; pauseP50: number; pauseP99: number; pauseN: number; benchEld: number; dConsentP99: number | null; dPauseP99: number | null; dPauseP50: number | null; pauseFailed: number;
  eventsPerS: number; backlogFiles: number; backlogH: number; trendHPerH: number; inflowHPerH: number; archivedHPerH: number; archiveCpuPct: number; audioHPerCpuH: number | null; limits: string[];
}

async function runStep(C: number, archive: boolean, preload = 0, payEveryS: number | null = null): Promise<Row> {
  const t: Tally = { consent: [], pause: [], pauseFailed: 0, recorded: 0, calls: 0, audioLandedS: 0, measuring: false };
  const s = await startStack(archive, t);
  if (preload > 0) {
    // Saturate the archive: recordings already waiting in the spool, as after a peak.
    mkdirSync(s.spool, { recursive: true });
    const { writeFile } = await import('node:fs/promises');
    for (let i = 0; i < preload; i++) {
      const rid = `20261202T060000Z-${(0x10000000 + i).toString(16)}`;
      await writeFile(join(s.spool, `${rid}.wav`), wavs.get(180)!);
      await writeFile(join(s.spool, `${rid}.json`), JSON.stringify({
        version: 1, recordingId: rid, pbx: 'asterisk', callId: `1.${i}`, linkedId: `1.${i}`, line: 'bench', purpose: 'quality', decision: 'sampled', consent: 'no-objection',
        language: 'en', caller: null, agent: null, startedAt: '2026-12-02T05:57:00Z', endedAt: '2026-12-02T06:00:00Z', channels: 1, pauses: [], wav: `${rid}.wav`,
      }));
    }
  }
  const live = new Set<Promise<void>>();
  const spawnCall = (durationS: number, ageS: number) => { const p = call(s, t, durationS, ageS, live, payEveryS).catch(() => undefined); live.add(p); void p.finally(() => live.delete(p)); };
  const pick = () => DURATIONS_S[Math.floor(Math.random() * DURATIONS_S.length)]!;
  // Ramp (compressed): C calls at a random point of their lives, 200 per second at most.
  const rampPerS = 200;
  for (let i = 0; i < C; i++) {
    const d = pick();
    spawnCall(d, Math.random() * (d - 8));
    if (i % 20 === 19) await sleep((20 / rampPerS) * 1000);
  }
  // Steady state: arrivals at C / mean duration, Poisson.
  const lambda = C / MEAN_S;
  let arriving = true;
  if (lambda > 0) void (async () => { while (arriving) { await sleep(-Math.log(1 - Math.random()) / lambda * 1000); if (arriving) spawnCall(pick(), 0); } })();
  await sleep(NOTICE_MS + 4000); // let the ramp's consents finish
  const pid = s.daemon.pid!;
  const apid = archive ? archiverPid(pid) : null;
  const sampler = new SpoolSampler(s.spool, s.storage);
  await metric(s.metricsPort, 'callvault_event_loop_delay_p99_seconds'); // resets the histogram: the window starts here
  const cb0 = await buckets(s.metricsPort, 'callvault_consent_latency_seconds');
  const pb0 = await buckets(s.metricsPort, 'callvault_pause_latency_seconds');
  benchLoop.reset();
  benchGcMaxMs = 0;
  if (s.fs instanceof FsLitePlayer) s.fs.takeMaxSyncFileMs();
  const cpu0 = procCpuS(pid);
  const bench0 = process.cpuUsage();
  const acpu0 = apid !== null ? procCpuS(apid) : 0;
  const eventsSent = () => s.ami?.eventsSent ?? s.fs!.eventsWritten;
  const bytes0 = s.fs?.bytesWritten ?? 0;
  const ev0 = eventsSent();
  const sp0 = await sampler.sample(0, Date.now());
  const w0 = Date.now();
  const w0iso = new Date(w0).toISOString();
  t.measuring = true;
  let rss = 0;
  const load0 = loadavg()[0]!;
  while (Date.now() - w0 < windowS * 1000) { rss = Math.max(rss, rssMb(pid)); await sleep(1000); }
  t.measuring = false;
  const wS = (Date.now() - w0) / 1000;
  const cpu = procCpuS(pid) - cpu0;
  const benchCpu = process.cpuUsage(bench0);
  const acpu = apid !== null ? procCpuS(apid) - acpu0 : 0;
  const events = eventsSent() - ev0;
  const bytesPerEvent = s.fs !== null && events > 0 ? (s.fs.bytesWritten - bytes0) / events : null;
  const eld = await metric(s.metricsPort, 'callvault_event_loop_delay_p99_seconds');
  const sp1 = await sampler.sample(0, Date.now());
  const benchEld = benchLoop.percentile(99) / 1e6 - 1;
  const benchMax = benchLoop.max;
  const cb1 = await buckets(s.metricsPort, 'callvault_consent_latency_seconds');
  const pb1 = await buckets(s.metricsPort, 'callvault_pause_latency_seconds');
  let archivedS = 0;
  try {
    const db = new BetterSqlite3(join(s.storage, 'index.sqlite'), { readonly: true, timeout: 2000 });
    archivedS = ((db.prepare('SELECT COALESCE(SUM(duration_ms), 0) AS ms FROM recordings WHERE archived_at >= ?').get(w0iso) as { ms: number }).ms) / 1000;
    db.close();
  } catch { /* nothing archived yet */ }
  arriving = false;
  if (s.ami !== null) console.error(`  AMI bytes queued for the daemon, max: ${(s.ami.maxQueuedBytes / 1e6).toFixed(1)} MB; daemon's Login Events: ${JSON.stringify(s.ami.loginEvents)}, ${s.ami.eventsMasked} events kept from it by that mask`);
  else console.error(`  Event Socket: ${bytesPerEvent?.toFixed(0) ?? 'n/a'} bytes per frame written to the daemon (all frames / events), ${t.recorded} calls recorded since the step started; slowest consents ${[...t.consent].sort((x, y) => y - x).slice(0, 4).map((x) => x.toFixed(1)).join(', ')} ms of ${t.consent.length}, slowest pauses ${[...t.pause].sort((x, y) => y - x).slice(0, 4).map((x) => x.toFixed(1)).join(', ')} ms of ${t.pause.length}; slowest socket connects ${[...((t as { consentConnect?: number[] }).consentConnect ?? [])].sort((x, y) => y - x).slice(0, 4).map((x) => x.toFixed(1)).join(', ')} ms; bench loop max ${(benchMax / 1e6).toFixed(0)} ms (its longest GC ${benchGcMaxMs.toFixed(0)} ms)${s.fs instanceof FsLitePlayer ? `, its longest sync file op ${s.fs.takeMaxSyncFileMs().toFixed(1)} ms` : ''}`);
  for (const x of [...((t as { consentSteps?: Array<{ total: number; steps: string }> }).consentSteps ?? [])].sort((p, q) => q.total - p.total).slice(0, 3)) console.error(`  slow consent ${x.total.toFixed(1)} ms: ${x.steps}`);
  if (t.pauseFailed > 0 || process.env.CV_BENCH_LOG) {
    const lines = readFileSync(join(s.dir, 'daemon.log'), 'utf8').split('\n').filter((l) => /payment|pause|mute|error/i.test(l));
    console.error(`  daemon log (${lines.length} payment/error lines), last 3:\n  ${lines.slice(-3).join('\n  ')}`);
  }
  await stopStack(s);
  const hPerH = (audioS: number) => (audioS / 3600) / (wS / 3600);
  const row: Row = {
    calls: C, load: `${load0.toFixed(2)}`, cpuPct: (cpu / wS) * 100, benchPct: ((benchCpu.user + benchCpu.system) / 1e6 / wS) * 100, rss, eldP99: eld === null ? null : eld * 1000,
    consentP50: pct(t.consent, 50), consentP99: pct(t.consent, 99), pauseP50: pct(t.pause, 50), pauseP99: pct(t.pause, 99), pauseN: t.pause.length, benchEld, dConsentP99: bucketPct(cb0, cb1, 99), dPauseP99: bucketPct(pb0, pb1, 99), dPauseP50: bucketPct(pb0, pb1, 50), pauseFailed: t.pauseFailed,
    eventsPerS: events / wS, backlogFiles: sp1.files, backlogH: sp1.audioSeconds / 3600, trendHPerH: hPerH(sp1.audioSeconds - sp0.audioSeconds),
    inflowHPerH: hPerH(t.audioLandedS), archivedHPerH: hPerH(archivedS), archiveCpuPct: (acpu / wS) * 100,
    audioHPerCpuH: acpu > 0 ? (archivedS / 3600) / (acpu / 3600) : null, limits: [],
  };
  if (row.consentP99 >= TARGETS.consentP99) row.limits.push(`consent p99 >= ${TARGETS.consentP99} ms`);
  if (row.pauseP99 >= TARGETS.pauseP99) row.limits.push(`pause p99 >= ${TARGETS.pauseP99} ms`);
  if (row.pauseFailed > 0) row.limits.push(`${row.pauseFailed} pause(s) failed closed`);
  if (row.eldP99 !== null && row.eldP99 >= TARGETS.eldP99) row.limits.push(`event-loop p99 >= ${TARGETS.eldP99} ms`);
  if (row.rss >= TARGETS.rssMb) row.limits.push(`RSS >= ${TARGETS.rssMb} MB`);
  if (row.cpuPct >= TARGETS.cpuPct) row.limits.push(`daemon CPU >= ${TARGETS.cpuPct}% of a core`);
  if (archive && row.trendHPerH > 0.05 * Math.max(1, row.inflowHPerH)) row.limits.push('archive behind (spool growing)');
  return row;
}

const f1 = (x: number | null) => (x === null || Number.isNaN(x) ? '   n/a' : x.toFixed(1).padStart(6));
const le = (x: number | null) => (x === null ? '     n/a' : `<=${x}`.padStart(8));
const f2 = (x: number | null) => (x === null || Number.isNaN(x) ? '   n/a' : x.toFixed(2).padStart(6));
if (pbx === 'asterisk') {
  console.log(`capacity: real daemon (bin/callvault.js run), fake Asterisk over real sockets; AMI shape "${eventsKind}" (${shapeFile.users[eventsKind]!.eventsPerCall.toFixed(1)} events/call, measured ${shapeFile.measuredAt});`);
  console.log('  cons/paus: measured by the bench (request sent to first prompt / to CALLVAULT_PAUSE set), so they include the bench\'s own delays;');
} else {
  const sk = fsShape!.sockets;
  const perCall = fsShape!.inbound.eventsPerCall + Object.values(sk).reduce((x, v) => x + v.eventsToDaemonPerCall, 0);
  console.log(`capacity: real daemon (bin/callvault.js run), fake FreeSWITCH over real sockets (--fs-player ${fsPlayerKind}: bench/${fsPlayerKind === 'lite' ? 'freeswitch-lite-player.ts' : 'freeswitch-player.ts'}); the sandbox FreeSWITCH sent ${perCall.toFixed(1)} events per recorded call (measured ${fsShape!.measuredAt});`);
  console.log('  cons/paus: on the fake\'s clock (consent socket started to notice playing / payment-enter socket started to set CALLVAULT_PAUSE=confirmed), so they include the bench\'s own delays;');
}
console.log('  d-cons99/d-paus99: the daemon\'s own histograms (request received to prompt sent / mute confirmed), bucket bound in ms');
console.log('  bEld99: the bench\'s own event-loop delay p99 (ms): when it is high, the bench (fake PBX and clients in one process) is what is slow');
console.log(pbx === 'asterisk' ? '  ev/s: AMI events written to the daemon, after the Events: mask of its Login (the fake applies it as manager.c does)' : '  ev/s: Event Socket events written to the daemon (inbound link and outbound sockets, as subscribed)');
console.log(`  calls 60-300 s (mean ${MEAN_S} s), sampled 25%, ${NOTICE_MS / 1000} s notice, payment pause on recorded calls; ${windowS} s window per step; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
if (pauseCheck) {
  const idle = await runStep(500, false, 0, 10);
  const busy = await runStep(500, true, 150, 10);
  console.log(`daemon-side pause p99 (histogram bucket): idle <= ${idle.dPauseP99} ms, saturated <= ${busy.dPauseP99} ms; bench event-loop p99 idle ${f2(idle.benchEld)} ms, saturated ${f2(busy.benchEld)} ms`);
  console.log(`pauses measured: idle ${idle.pauseN}, saturated ${busy.pauseN}; event-loop p99 idle ${f2(idle.eldP99)} ms, saturated ${f2(busy.eldP99)} ms; daemon CPU idle ${f1(idle.cpuPct)}%, saturated ${f1(busy.cpuPct)}%`);
  console.log(`pause p99 with 500 calls: archive idle (--no-archive) ${f2(idle.pauseP99)} ms (p50 ${f2(idle.pauseP50)}, load ${idle.load}); archive saturated (150 x 3 min waiting) ${f2(busy.pauseP99)} ms (p50 ${f2(busy.pauseP50)}, load ${busy.load}, archiver ${f1(busy.archiveCpuPct)}% CPU)`);
  console.log(`difference ${f2(busy.pauseP99 - idle.pauseP99)} ms (target: within 2 ms)`);
  process.exit(0);
}
console.log(' calls  load bench% bEld99 cpu%  rssMB eldP99 cons50 cons99 d-cons99 paus50 paus99 d-paus99  ev/s  spool(files,h) trend h/h inflow h/h arch h/h arch cpu%  audio h/cpu h  limits');
let first: string | null = null;
for (const C of steps) {
  const r = await runStep(C, !noArchive);
  console.log(`${String(r.calls).padStart(6)} ${r.load.padStart(5)} ${f1(r.benchPct)} ${f2(r.benchEld)} ${f1(r.cpuPct)} ${f1(r.rss)} ${f2(r.eldP99)} ${f2(r.consentP50)} ${f2(r.consentP99)} ${le(r.dConsentP99)} ${f2(r.pauseP50)} ${f2(r.pauseP99)} ${le(r.dPauseP99)} ${f1(r.eventsPerS)} ${String(r.backlogFiles).padStart(6)},${f2(r.backlogH)} ${f2(r.trendHPerH)}    ${f2(r.inflowHPerH)}    ${f2(r.archivedHPerH)} ${f1(r.archiveCpuPct)}     ${f1(r.audioHPerCpuH)}    ${r.limits.join('; ') || '-'}`);
  if (first === null && r.limits.length > 0) first = `${C} calls: ${r.limits.join('; ')}`;
}
console.log(`first limit: ${first ?? 'none reached'}; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exit(0);
