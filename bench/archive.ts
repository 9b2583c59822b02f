/**
 * Benchmark: archive a one-hour 8 kHz mono call, against what an operator
 * would otherwise run, `opusenc --bitrate 16 in.wav - | age -r KEY > out`, in
 * the same run on the same input. Prints CPU seconds and peak RSS of each and
 * the ratio. Targets: CPU <= 0.8 x the pipeline's, peak RSS < 100 MB.
 *
 *   node --import tsx bench/archive.ts [--minutes 60] [--complexity 5]
 *
 * The input is speech (espeak-ng) repeated to the length, not a tone: Opus
 * spends its effort differently on a pure sine. Needs sox, espeak-ng, opusenc,
 * age, /usr/bin/time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '60' }, complexity: { type: 'string', default: '5' }, bitrate: { type: 'string', default: '16000' } } });
const minutes = Number(values.minutes);
const dir = mkdtempSync(join(tmpdir(), 'cv-bench-'));
chmodSync(dir, 0o700);

function need(bin: string): void {
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`bench needs ${bin}`);
}
for (const b of ['sox', 'espeak-ng', 'opusenc', 'age', 'age-keygen', '/usr/bin/time']) need(b);

/** Runs a command under GNU time; returns user+sys CPU seconds (children included) and max RSS in MB. */
function timed(cmd: string, args: string[]): { cpuS: number; maxRssMb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr)!;
  return { cpuS: Number(m[1]) + Number(m[2]), maxRssMb: Number(m[3]) / 1024, stdout: r.stdout };
}

try {
  // Source: a minute of speech at 8 kHz, repeated.
  const speech = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'en', '-s', '150', '-w', join(dir, 'raw.wav'),
    'Thank you for calling. This call may be recorded for quality and training purposes. Please hold while we find your account. ' +
    'Could you give me your customer number and the date of your last order, and tell me what went wrong with the delivery?']);
  execFileSync('sox', [join(dir, 'raw.wav'), '-r', '8000', '-c', '1', '-b', '16', speech]);
  const seconds = Number(execFileSync('soxi', ['-D', speech], { encoding: 'utf8' }));
  const repeats = Math.ceil((minutes * 60) / seconds);
  const source = join(dir, 'call.wav');
  execFileSync('sox', [speech, source, 'repeat', String(repeats - 1), 'trim', '0', String(minutes * 60)]);
  const wavMb = statSync(source).size / 1e6;

  const keyFile = join(dir, 'key.txt');
  const keygen = spawnSync('age-keygen', ['-o', keyFile], { encoding: 'utf8' });
  const recipient = /age1[0-9a-z]+/.exec(keygen.stderr + readFileSync(keyFile, 'utf8'))![0];

  // Reference pipeline.
  const ref = timed('bash', ['-c', `opusenc --quiet --bitrate ${Number(values.bitrate) / 1000} '${source}' - | age -r ${recipient} > '${join(dir, 'ref.opus.age')}'`]);
  const refBytes = statSync(join(dir, 'ref.opus.age')).size;

  // callvault, in its own process.
  const spool = join(dir, 'spool');
  const storage = join(dir, 'storage');
  mkdirSync(spool);
  const id = '20261128T150405Z-be0c0001';
  copyFileSync(source, join(spool, `${id}.wav`));
  writeFileSync(join(spool, `${id}.json`), JSON.stringify({
    version: 1, recordingId: id, pbx: 'asterisk', callId: 'bench', linkedId: 'bench', line: 'bench', purpose: 'quality',
    decision: 'mandatory', consent: 'informed', language: 'en', caller: '+33100000000', agent: 'bench', startedAt: '2026-11-28T15:04:05Z',
    endedAt: new Date(Date.parse('2026-11-28T15:04:05Z') + minutes * 60_000).toISOString(), channels: 1, pauses: [], wav: `${id}.wav`,
  }));
  // Production runs compiled JS, not tsx (whose compiler alone costs ~70 MB): build src first.
  const dist = join(new URL('..', import.meta.url).pathname, 'node_modules', '.cache', 'callvault-bench', 'dist');
  execFileSync('npx', ['tsc', '-p', new URL('../tsconfig.build.json', import.meta.url).pathname, '--outDir', dist, '--sourceMap', 'false']);
  const child = `
    const { Archiver } = await import(${JSON.stringify(pathToFileURL(join(dist, 'archive', 'archiver.js')).href)});
    const { KeyedHasher } = await import(${JSON.stringify(pathToFileURL(join(dist, 'privacy', 'keyed-hash.js')).href)});
    const days = { quality: 30, training: 30, analysis: 30, contract: 30, regulatory: 30 };
    const a = new Archiver({ spoolDir: ${JSON.stringify(spool)}, storageDir: ${JSON.stringify(storage)}, recipientsByPurpose: { quality: [${JSON.stringify(recipient)}] },
      hasher: new KeyedHasher(Buffer.alloc(32, 1)), retentionDays: days, bitrateBps: ${Number(values.bitrate)}, complexity: ${Number(values.complexity)} });
    const before = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = await a.processOnce();
    const cpu = process.cpuUsage(before);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    await a.close();
    if (result.archived.length !== 1) throw new Error('expected one recording archived: ' + JSON.stringify(result));
    console.log(JSON.stringify({ cpuS: (cpu.user + cpu.system) / 1e6, wallS, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  `;
  const ours = timed(process.execPath, ['--input-type=module', '-e', child]);
  const inner = JSON.parse(ours.stdout.trim().split('\n').at(-1)!) as { cpuS: number; wallS: number; maxRssMb: number };
  const outFile = execFileSync('find', [storage, '-name', '*.opus.age'], { encoding: 'utf8' }).trim();
  const ourBytes = statSync(outFile).size;

  const f = (n: number) => n.toFixed(2);
  console.log(`input: ${minutes} min of 8 kHz mono speech, ${wavMb.toFixed(1)} MB WAV; bitrate ${values.bitrate} bit/s; callvault complexity ${values.complexity}`);
  console.log(`opusenc | age     : cpu ${f(ref.cpuS)} s, peak rss ${f(ref.maxRssMb)} MB (largest of the two), output ${(refBytes / 1e6).toFixed(2)} MB`);
  console.log(`callvault process : cpu ${f(ours.cpuS)} s, peak rss ${f(ours.maxRssMb)} MB (whole node process, compiled JS), output ${(ourBytes / 1e6).toFixed(2)} MB`);
  console.log(`callvault archive : cpu ${f(inner.cpuS)} s, wall ${f(inner.wallS)} s (the pass alone)`);
  console.log(`ratio cpu (process / pipeline): ${(ours.cpuS / ref.cpuS).toFixed(2)}  target <= 0.80 ${ours.cpuS / ref.cpuS <= 0.8 ? 'MET' : 'MISSED'}`);
  console.log(`ratio cpu (pass / pipeline)   : ${(inner.cpuS / ref.cpuS).toFixed(2)}`);
  console.log(`peak rss: ${f(ours.maxRssMb)} MB  target < 100 MB ${ours.maxRssMb < 100 ? 'MET' : 'MISSED'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
