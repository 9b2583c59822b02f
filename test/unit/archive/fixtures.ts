/** Shared fixtures for the archive tests: synthetic WAVs, keys, spool entries, temporary storage. */
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { wavHeader } from '../../../src/archive/wav-writer.js';
import { KeyedHasher } from '../../../src/privacy/keyed-hash.js';
import type { SpoolMetadata } from '../../../src/archive/spool-metadata.js';

/** Interleaved 16-bit sine tones, one frequency per channel. */
export function sinePcm(rate: number, frames: number, freqs: number[], amplitude = 8000): Buffer {
  const ch = freqs.length;
  const buf = Buffer.alloc(frames * ch * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < ch; c++) buf.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * freqs[c]! * i) / rate)), (i * ch + c) * 2);
  }
  return buf;
}

export function wavFile(rate: number, frames: number, freqs: number[] = [440]): Buffer {
  const pcm = sinePcm(rate, frames, freqs);
  return Buffer.concat([wavHeader(rate, freqs.length, pcm.length), pcm]);
}

export function tempDir(prefix = 'cv-archive-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(path, 0o700);
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function newKey(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

export const hasher = new KeyedHasher(Buffer.alloc(32, 0x5a));

export const RETENTION = { quality: 30, training: 60, analysis: 90, contract: 365, regulatory: 1000 };

let counter = 0;
/** A fresh recording id: the timestamp part fixed, the suffix unique per call. */
export function recordingId(): string {
  counter++;
  return `20261128T150405Z-${(0xa1b2c300 + counter).toString(16).padStart(8, '0')}`;
}

export function metadata(id: string, over: Partial<SpoolMetadata> = {}): SpoolMetadata {
  return {
    version: 1, recordingId: id, pbx: 'asterisk', callId: '1732801445.12', linkedId: '1732801445.10', line: 'sales',
    purpose: 'quality', decision: 'sampled', consent: 'no-objection', language: 'fr', caller: '+33123456789', agent: 'agent-7',
    startedAt: '2026-11-28T15:04:05Z', endedAt: '2026-11-28T15:05:05Z', channels: 1,
    pauses: [{ startOffsetMs: 1000, endOffsetMs: 2500, outcome: 'muted' }], wav: `${id}.wav`, ...over,
  };
}

/** Drops a recording into the spool the way the call path does: WAV first, JSON last. */
export function spoolRecording(spool: string, id: string, wav: Buffer, over: Partial<SpoolMetadata> = {}): SpoolMetadata {
  const meta = metadata(id, over);
  writeFileSync(join(spool, `${id}.wav`), wav);
  writeFileSync(join(spool, `${id}.json`), JSON.stringify(meta));
  return meta;
}
