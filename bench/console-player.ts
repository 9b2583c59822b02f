/**
 * Benchmark: the console player in headless Debian chromium, on a 10-minute
 * stereo call (Ogg Opus at the archive's 16 kbit/s, age-encrypted to a
 * purpose key). Prints, over several runs (a fresh page each):
 *   - unlock: the passphrase to the personal key (age scrypt, log2 N = 18),
 *     done once per tab;
 *   - click play -> first audio: fetch the ciphertext, unwrap the grant,
 *     decrypt in the worker, <audio> 'playing' (target < 1 s);
 *   - decryption in the worker, and its speed in times real time.
 * The page is the bundle under the console's CSP, served by the tests'
 * stand-in server (test/browser/support/static-console.ts) on loopback, so
 * the figures are the browser's work, not the console server's.
 *
 *   npx tsx bench/console-player.ts [--minutes 10] [--runs 5] [--screenshot docs/img/console-player.png]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { launchChromium } from '../test/browser/support/chromium.js';
import { StaticConsole } from '../test/browser/support/static-console.js';
import { watchPlayer, waitPlaying } from '../test/browser/support/player-probe.js';
import { createPersonalKey, wrapForRecipient } from '../src/console/browser/age-keys.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, runs: { type: 'string', default: '5' }, screenshot: { type: 'string' } } });
const minutes = Number(values.minutes);
const runs = Number(values.runs);
const PASS = 'bench passphrase 1234';
const dir = mkdtempSync(join(tmpdir(), 'cv-bench-player-'));

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}

try {
  // A stereo call: caller 440 Hz and agent 600 Hz under noise, so Opus has something to code.
  const wav = join(dir, 'call.wav');
  const opus = join(dir, 'call.opus');
  execFileSync('sox', ['-n', '-r', '8000', '-c', '2', '-b', '16', wav, 'synth', String(minutes * 60), 'sine', '440', 'sine', '600', 'synth', 'pinknoise', 'amod', '0.3', 'gain', '-10']);
  execFileSync('opusenc', ['--quiet', '--bitrate', '16', wav, opus]);
  const purposeIdentity = await generateX25519Identity();
  const e = new Encrypter();
  e.addRecipient(await identityToRecipient(purposeIdentity));
  const cipher = await e.encrypt(new Uint8Array(readFileSync(opus)));

  const server = new StaticConsole();
  await server.start();
  const key = await createPersonalKey(PASS);
  server.state.key = { recipient: key.recipient, wrapped: [{ kind: 'passphrase', data: key.wrappedPassphrase }] };
  server.state.grants.push({ username: 'rita', purpose: 'quality', wrapped: await wrapForRecipient(`${purposeIdentity}\n`, key.recipient) });
  server.state.recordings.set('bench', { id: 'bench', purpose: 'quality', cipher, durationMs: minutes * 60_000, channels: 2, pauses: [{ startMs: 95_000, endMs: 131_000 }] });
  server.state.notes.push({ id: 1, recordingId: 'bench', atMs: 42_000, text: 'greeting and notice: fine', author: 'rita', createdAt: new Date().toISOString() });

  const browser = await launchChromium();
  const rows: Array<{ unlockMs: number; clickToAudioMs: number; decryptMs: number }> = [];
  try {
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage();
      await page.goto(`${server.url}/recordings/bench`);
      await watchPlayer(page);
      await page.fill('#unlock-passphrase', PASS);
      const t0 = Date.now();
      await page.press('#unlock-passphrase', 'Enter');
      await page.waitForFunction(() => /Key unlocked/.test(document.getElementById('player-message')?.textContent ?? ''), null, { timeout: 60_000 });
      const unlockMs = Date.now() - t0;
      await page.click('#play-button');
      const t = await waitPlaying(page).catch(async (err: unknown) => {
        throw new Error(`no audio: the page says "${await page.textContent('#player-message')}"; console: ${browser.errors.join(' | ')}`, { cause: err });
      });
      rows.push({ unlockMs, clickToAudioMs: t.clickToAudioMs, decryptMs: t.decryptMs });
      if (i === runs - 1 && values.screenshot !== undefined) {
        await page.waitForSelector('#player[data-waveform=drawn]', { timeout: 60_000 });
        await page.evaluate(() => { const a = document.getElementById('audio') as HTMLAudioElement; a.pause(); a.currentTime = 100; });
        await page.waitForTimeout(500);
        await page.locator('#player').screenshot({ path: values.screenshot });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const audioS = minutes * 60;
  const u = stats(rows.map((r) => r.unlockMs));
  const c = stats(rows.map((r) => r.clickToAudioMs));
  const d = stats(rows.map((r) => r.decryptMs));
  const x = stats(rows.map((r) => audioS / (r.decryptMs / 1000)));
  const f = (n: number) => n.toFixed(0).padStart(8);
  console.log(`console player, ${minutes}-minute stereo call, Ogg Opus 16 kbit/s, ${(cipher.length / 1e6).toFixed(2)} MB encrypted, ${runs} runs, headless ${execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim()}`);
  console.log('measure                               median      min      max');
  console.log(`unlock personal key (scrypt 2^18), ms ${f(u.median)} ${f(u.min)} ${f(u.max)}`);
  console.log(`click play -> first audio, ms         ${f(c.median)} ${f(c.min)} ${f(c.max)}   target < 1000`);
  console.log(`decryption in the worker, ms          ${f(d.median)} ${f(d.min)} ${f(d.max)}`);
  console.log(`decryption speed, x real time         ${f(x.median)} ${f(x.min)} ${f(x.max)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
