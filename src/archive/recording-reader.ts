/**
 * Reading an archived recording back: decrypt it with an operator's
 * identity, check it is the very file the index describes (SHA-256), and
 * either write it out (`callvault decrypt`) or just prove it decodes
 * (`callvault verify --identity`). Every output is written to a temporary
 * file and published without overwriting, so a wrong key or a damaged file
 * leaves nothing half-written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CallvaultError } from '../errors.js';
import type { RecordingIndex, RecordingRow } from '../index/index.js';
import { decryptStream } from './age-crypto.js';
import { FILE_MODE, publishNoClobber } from './durable-fs.js';
import { decodeOggOpus, type DecodedOpus } from './opus-codec.js';
import { OggFormatError, oggPackets, oggPages, parseOpusHead, parseOpusTags } from './ogg-reader.js';
import type { StorageLayout } from './storage-layout.js';
import { WavWriter } from './wav-writer.js';

/** A file as a web stream (what typage takes), feeding every chunk to `onChunk` as it goes. */
export function fileWebStream(path: string, onChunk?: (chunk: Uint8Array) => void): ReadableStream<Uint8Array> {
  let fh: Awaited<ReturnType<typeof open>> | null = null;
  return new ReadableStream<Uint8Array>({
    async start() {
      fh = await open(path, 'r');
    },
    async pull(controller) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh!.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        await fh!.close();
        controller.close();
        return;
      }
      const chunk = buf.subarray(0, bytesRead);
      onChunk?.(chunk);
      controller.enqueue(chunk);
    },
    async cancel() {
      await fh?.close();
    },
  });
}

/** Looks the recording up and checks its file is there. */
export async function locateRecording(index: RecordingIndex, layout: StorageLayout, id: string): Promise<{ row: RecordingRow; path: string }> {
  const row = index.getRecording(id);
  if (row === null) throw new CallvaultError('CV_ERR_ARCHIVE_NOT_FOUND', [id]);
  const path = layout.absolute(row.file);
  try {
    await stat(path);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_ARCHIVE_FILE_MISSING', [id, path], { cause });
  }
  return { row, path };
}

/** typage's refusal when none of the identities is a recipient: "not mine", as opposed to a damaged file. */
function noIdentityMatched(cause: unknown): boolean {
  return cause instanceof Error && /no identity matched/i.test(cause.message);
}

/** Whether a CV_ERR_ARCHIVE_DECRYPT means "none of these identities is a recipient" (the file may be fine). */
export function isNotARecipient(err: unknown): boolean {
  return err instanceof CallvaultError && err.code === 'CV_ERR_ARCHIVE_DECRYPT' && noIdentityMatched(err.cause);
}

export interface PlainStream {
  stream: AsyncIterable<Uint8Array>;
  /** Resolves, after the stream is consumed, to the ciphertext's SHA-256. */
  digest: () => string;
}

/** Decrypts a recording as a stream of Ogg bytes. Wrong key: CV_ERR_ARCHIVE_DECRYPT before any byte. */
export async function openPlaintext(path: string, id: string, identities: readonly string[]): Promise<PlainStream> {
  const hash = createHash('sha256');
  let plain: ReadableStream<Uint8Array>;
  try {
    plain = await decryptStream(fileWebStream(path, (c) => hash.update(c)), identities);
  } catch (cause) {
    const reason = noIdentityMatched(cause) ? 'no identity matches its recipients' : (cause as Error).message;
    throw new CallvaultError('CV_ERR_ARCHIVE_DECRYPT', [id, reason], { cause });
  }
  let done: string | null = null;
  const stream = (async function* () {
    try {
      for await (const chunk of plain as unknown as AsyncIterable<Uint8Array>) yield chunk;
    } catch (cause) {
      throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [id, `decryption failed part way: ${(cause as Error).message}`], { cause });
    }
    done = hash.digest('hex');
  })();
  return { stream, digest: () => { if (done === null) throw new Error('stream not consumed'); return done; } };
}

export type OutputFormat = 'opus' | 'wav';

export function outputFormatFor(path: string): OutputFormat {
  return /\.wav$/i.test(path) ? 'wav' : 'opus';
}

export interface DecryptToFileOptions {
  index: RecordingIndex;
  layout: StorageLayout;
  id: string;
  identities: readonly string[];
  output: string;
  actor: string;
  reason: string;
}

/**
 * Decrypts a recording to `output` (Ogg Opus, or WAV if it ends in .wav).
 * The audit row is written first: no access without a trace, even one that
 * then fails. Refuses to overwrite (CV_ERR_ARCHIVE_EXISTS).
 */
export async function decryptToFile(o: DecryptToFileOptions): Promise<{ bytes: number; format: OutputFormat; row: RecordingRow }> {
  if (o.reason.trim().length === 0) throw new CallvaultError('CV_ERR_ARCHIVE_REASON');
  const { row, path } = await locateRecording(o.index, o.layout, o.id);
  const exists = await stat(o.output).then(() => true, () => false);
  if (exists) throw new CallvaultError('CV_ERR_ARCHIVE_EXISTS', [o.output]);
  const format = outputFormatFor(o.output);
  o.index.appendAudit({ actor: o.actor, action: 'decrypt', recordingId: o.id, reason: o.reason, details: { format, output: basename(o.output) } });

  const plain = await openPlaintext(path, o.id, o.identities);
  const tmp = join(dirname(o.output), `.${basename(o.output)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', FILE_MODE);
  let bytes = 0;
  try {
    if (format === 'opus') {
      for await (const chunk of plain.stream) { await fh.write(chunk); bytes += chunk.length; }
    } else {
      const wav = new WavWriter(fh);
      const headers: { value: DecodedOpus | null } = { value: null };
      let formatted = false;
      const ensureFormat = async () => {
        if (formatted) return;
        if (headers.value === null) throw new OggFormatError('no Opus headers');
        await wav.format(headers.value.sampleRate, headers.value.head.channels);
        formatted = true;
      };
      for await (const pcm of decodeOggOpus(plain.stream, (d) => { headers.value = d; })) {
        await ensureFormat();
        await wav.write(pcm);
      }
      await ensureFormat();
      bytes = await wav.finish();
    }
    if (plain.digest() !== row.sha256) throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [o.id, 'the file is not the one the index describes (SHA-256 differs)']);
    await fh.sync();
    await fh.close();
    await publishNoClobber(tmp, o.output);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (err instanceof OggFormatError) throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [o.id, err.message], { cause: err });
    throw err;
  }
  return { bytes, format, row };
}

export interface DecodedCheck {
  channels: number;
  inputSampleRate: number;
  /** Duration from the final granule: what a player will play. */
  durationMs: number;
  tags: Map<string, string>;
  digest: string;
}

/** Decrypts and walks every page and packet without writing anything: the deep check of `verify`. */
export async function checkDecrypted(path: string, id: string, identities: readonly string[]): Promise<DecodedCheck> {
  const plain = await openPlaintext(path, id, identities);
  let index = 0;
  let head: ReturnType<typeof parseOpusHead> | null = null;
  let tags = new Map<string, string>();
  let lastGranule = 0n;
  try {
    for await (const packet of oggPackets(oggPages(plain.stream))) {
      if (index === 0) head = parseOpusHead(packet.data);
      else if (index === 1) tags = new Map(parseOpusTags(packet.data).comments);
      if (packet.granule !== null && packet.granule >= 0n) lastGranule = packet.granule;
      index++;
    }
  } catch (err) {
    if (err instanceof OggFormatError) throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [id, err.message], { cause: err });
    throw err;
  }
  if (head === null || index < 2) throw new CallvaultError('CV_ERR_ARCHIVE_CORRUPT', [id, 'no Opus headers']);
  const durationMs = Math.round((Number(lastGranule - BigInt(head.preSkip)) * 1000) / 48000);
  return { channels: head.channels, inputSampleRate: head.inputSampleRate, durationMs, tags, digest: plain.digest() };
}
