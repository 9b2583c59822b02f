/**
 * Entry `decrypt-worker` (a module Web Worker): decrypts the age stream of a
 * recording as it arrives, 64 KiB STREAM chunks at a time, so the page stays
 * responsive and memory holds the audio once (the Blob it answers with). The
 * identities it receives are forgotten with the worker; nothing it decrypts
 * is sent anywhere but back to the page.
 */
import { Decrypter } from 'age-encryption';
import type { DecryptReply, DecryptRequest } from './decrypt-messages.js';

interface WorkerScope {
  postMessage(message: DecryptReply): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<DecryptRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

const PROGRESS_EVERY = 256 * 1024;

async function decrypt(req: DecryptRequest): Promise<DecryptReply> {
  const started = performance.now();
  const d = new Decrypter();
  for (const id of req.identities) d.addIdentity(id);
  let plain: ReadableStream<Uint8Array>;
  try {
    plain = await d.decrypt(req.cipher);
  } catch (err) {
    // The header is checked before decrypt() resolves: no stanza for our keys lands here.
    return { type: 'error', failure: 'not-for-these-keys', detail: String(err) };
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let reported = 0;
  const reader = plain.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      total += value.length;
      if (total - reported >= PROGRESS_EVERY) {
        reported = total;
        scope.postMessage({ type: 'progress', plainBytes: total });
      }
    }
  } catch (err) {
    // A chunk failed its tag, or the stream was cut: nothing partial is played.
    return { type: 'error', failure: 'damaged', detail: String(err) };
  }
  return { type: 'done', audio: new Blob(parts as BlobPart[], { type: 'audio/ogg; codecs=opus' }), plainBytes: total, ms: performance.now() - started };
}

scope.addEventListener('message', (ev) => {
  if (ev.data.type !== 'decrypt') return;
  void decrypt(ev.data).then((reply) => scope.postMessage(reply));
});
