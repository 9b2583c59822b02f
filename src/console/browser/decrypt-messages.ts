/** Messages between the player page and entry `decrypt-worker`. */
export interface DecryptRequest {
  type: 'decrypt';
  /** The response body of GET /api/recordings/:id/audio, transferred. */
  cipher: ReadableStream<Uint8Array>;
  /** The purpose identities (AGE-SECRET-KEY-...), unwrapped by the page. */
  identities: string[];
}

export type DecryptReply =
  | { type: 'progress'; plainBytes: number }
  | { type: 'done'; audio: Blob; plainBytes: number; ms: number }
  | { type: 'error'; failure: 'not-for-these-keys' | 'damaged'; detail: string };
