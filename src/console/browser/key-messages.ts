/** Turns a key failure, an API refusal or a network fault into the sentence the page shows. */
import { ApiError, NetworkError } from './api.js';
import { KeyError } from './age-keys.js';
import type { Strings } from './strings.js';

export function failureSentence(t: Strings, err: unknown): string {
  if (err instanceof KeyError) {
    switch (err.failure) {
      case 'wrong-passphrase': return t.wrongPassphrase;
      case 'not-an-identity-file': return t.notAnIdentityFile;
      case 'no-identity': return t.noIdentity;
      case 'not-for-you': return t.notForYou;
      case 'passkey-failed': return t.passkeyFailed;
    }
  }
  if (err instanceof ApiError) return err.sentence;
  if (err instanceof NetworkError) return t.network;
  return err instanceof Error ? err.message : String(err);
}
