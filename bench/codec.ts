/**
 * The codec's cost and quality for 8 kHz speech (issue 11): for each libopus
 * complexity and a few bitrates, CPU seconds per audio hour and the SNR of
 * the decoded audio against the source, for callvault's encoder
 * (src/archive/opus-codec.ts, in this process) side by side with
 * `ffmpeg -c:a libopus -application voip` at the same settings, in the
 * same run. Both outputs are decoded by opusdec to 8 kHz. The source is
 * real recorded speech: Asterisk's en_US_f_Allison prompts from the sandbox
 * root, concatenated to 60 s with sox.
 *
 * Requires ffmpeg, opusdec (opus-tools), sox and the built Asterisk sandbox:
 *   apt-get install -y ffmpeg opus-tools sox && npx tsx bench/codec.ts
 * SNR is a waveform figure: for a perceptual codec it ranks settings, it
 * does not score how the speech sounds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOggOpus, type EncodeStats } from '../src/archive/opus-codec.js';
import { WavReader } from '../src/archive/wav-reader.js';

const SOUNDS = '/var/cache/callvault/asterisk-rootfs/usr/share/asterisk/sounds/en_US_f_Allison';
const SECONDS = 60;
const COMPLEXITIES = [0, 2, 5, 8, 10];
const BITRATES = [12_000, 16_000, 24_000];
for (const bin of ['ffmpeg', 'opusdec', 'sox']) {
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) { console.error(`codec: ${bin} is missing (apt-get install -y ffmpeg opus-tools sox)`); process.exit(2); }
}
const dir = mkdtempSync(join(tmpdir(), 'cv-codec-'));
const src = join(dir, 'src.wav');
const gsm = readdirSync(SOUNDS).filter((n) => n.endsWith('.gsm')).sort().slice(0, 200).map((n) => join(SOUNDS, n));
execFileSync('sox', [...gsm, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', src, 'trim', '0', String(SECONDS)]);

function samples(wav: string): Int16Array {
  const b = readFileSync(wav);
  const at = b.indexOf('data') + 8;
  return new Int16Array(b.buffer.slice(b.byteOffset + at, b.byteOffset + b.length - ((b.length - at) % 2)));
}
const ref = samples(src);

/** SNR in dB of `dec` against the source, at the best lag within ±5 ms (the decoder's resampling delay). */
function snr(dec: Int16Array): number {
  let best = -Infinity;
  for (let lag = -40; lag <= 40; lag++) {
    let sig = 0;
    let err = 0;
    for (let i = 400; i < ref.length - 400; i++) {
      const d = dec[i + lag] ?? 0;
      sig += ref[i]! * ref[i]!;
      err += (ref[i]! - d) ** 2;
    }
    best = Math.max(best, 10 * Math.log10(sig / Math.max(err, 1)));
  }
  return best;
}
function decode(opus: string): Int16Array {
  const out = `${opus}.wav`;
  execFileSync('opusdec', ['--quiet', '--rate', '8000', opus, out]);
  return samples(out);
}

async function ours(complexity: number, bitrateBps: number): Promise<{ cpuS: number; bytes: number; snr: number }> {
  const reader = await WavReader.open(src);
  const stats = {} as EncodeStats;
  const parts: Buffer[] = [];
  const t0 = process.cpuUsage();
  for await (const page of encodeOggOpus(reader.chunks(), { sampleRate: 8000, channels: 1, bitrateBps, complexity, serial: 1, vendor: 'bench', comments: [], label: src }, stats)) parts.push(page);
  const cpu = process.cpuUsage(t0);
  await reader.close();
  const out = join(dir, `cv-${complexity}-${bitrateBps}.opus`);
  writeFileSync(out, Buffer.concat(parts));
  return { cpuS: (cpu.user + cpu.system) / 1e6, bytes: stats.oggBytes, snr: snr(decode(out)) };
}

function ffmpeg(complexity: number, bitrateBps: number): { cpuS: number; bytes: number; snr: number } {
  const out = join(dir, `ff-${complexity}-${bitrateBps}.opus`);
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'ffmpeg', '-v', 'error', '-y', '-threads', '1', '-i', src, '-c:a', 'libopus', '-application', 'voip', '-b:a', String(bitrateBps), '-vbr', 'on', '-frame_duration', '20', '-compression_level', String(complexity), out], { encoding: 'utf8' });
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpuS: u! + s!, bytes: readFileSync(out).length, snr: snr(decode(out)) };
}

const perHour = (cpuS: number) => (cpuS * 3600) / SECONDS;
console.log(`codec: ${SECONDS} s of 8 kHz speech (Asterisk en_US_f_Allison prompts), load ${loadavg()[0]!.toFixed(2)}; CPU s per audio hour, SNR dB after opusdec`);
console.log('complexity  kbit/s | callvault: CPU s/h  kB/min  SNR dB | ffmpeg libopus voip: CPU s/h  kB/min  SNR dB');
for (const c of COMPLEXITIES) {
  for (const b of BITRATES) {
    const a = await ours(c, b);
    const f = ffmpeg(c, b);
    console.log(`${String(c).padStart(10)}  ${String(b / 1000).padStart(6)} |          ${perHour(a.cpuS).toFixed(1).padStart(8)}  ${(a.bytes / 1024 / (SECONDS / 60)).toFixed(1).padStart(6)}  ${a.snr.toFixed(2).padStart(6)} |                     ${perHour(f.cpuS).toFixed(1).padStart(8)}  ${(f.bytes / 1024 / (SECONDS / 60)).toFixed(1).padStart(6)}  ${f.snr.toFixed(2).padStart(6)}`);
  }
}
console.log('(ffmpeg CPU includes its process start and the WAV read; callvault\'s is the encoder loop only, encryption excluded)');
rmSync(dir, { recursive: true, force: true });
