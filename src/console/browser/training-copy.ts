/**
 * Entry `training-copy` (a trainer on a quality recording's page; docs/
 * quality.md "Training"). On click: unlock the personal key, fetch the
 * recording's ciphertext (the server audits the listen), unwrap the quality
 * and training identities from the user's grants, decrypt, encrypt the
 * plaintext to the training recipients the server lists (public keys), check
 * with the training identity that the copy opens to the same bytes, and post
 * only that ciphertext. The plaintext stays in this tab's memory.
 */
import { Decrypter, Encrypter } from 'age-encryption';
import { unwrapGrant, unwrapPersonalKey } from './age-keys.js';
import { ApiError, getJson, request, type MyGrant, type MyKey } from './api.js';
import { failureSentence } from './key-messages.js';
import { PageStatus } from './page-status.js';
import { installStyles } from './styles.js';
import { strings, type Strings } from './strings.js';

async function decrypt(cipher: Uint8Array, identities: readonly string[]): Promise<Uint8Array> {
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id);
  return d.decrypt(cipher, 'uint8array');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function grantIdentities(grants: readonly MyGrant[], purpose: string, personal: string, t: Strings): Promise<string[]> {
  const g = grants.find((x) => x.purpose === purpose);
  if (g === undefined) throw new Error(t.noGrant(purpose));
  return unwrapGrant(g.wrapped, personal);
}

async function copy(section: HTMLElement, pass: string, status: PageStatus, t: Strings): Promise<string> {
  const id = section.dataset.recordingId!;
  const purpose = section.dataset.purpose!;
  let key: MyKey;
  try {
    key = await getJson<MyKey>('/api/me/key');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new Error(t.noKeyYet, { cause: err });
    throw err;
  }
  const wrapped = key.wrapped.find((w) => w.kind === 'passphrase');
  if (wrapped === undefined) throw new Error(t.noKeyYet);
  status.show(t.keyUnlocking);
  const personal = await unwrapPersonalKey(wrapped.data, pass);
  const grants = await getJson<MyGrant[]>('/api/me/grants');
  const sourceIds = await grantIdentities(grants, purpose, personal, t);
  const trainingIds = await grantIdentities(grants, 'training', personal, t);
  const { recipients } = await getJson<{ recipients: string[] }>('/api/training/recipients');
  if (recipients.length === 0) throw new Error(t.copyNoRecipients);
  status.show(t.copying);
  const res = await request(`/api/recordings/${encodeURIComponent(id)}/audio?reason=${encodeURIComponent('training copy')}`);
  const plain = await decrypt(new Uint8Array(await res.arrayBuffer()), sourceIds).catch((cause: unknown) => { throw new Error(t.damaged, { cause }); });
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  const cipher = await e.encrypt(plain);
  // Before anything leaves: the copy must open with the training key this trainer holds.
  status.show(t.copySelfCheck);
  const back = await decrypt(cipher, trainingIds).catch(() => null);
  if (back === null || !sameBytes(back, plain)) throw new Error(t.copyNotOpened);
  status.show(t.copyUploading);
  const posted = await request(`/api/recordings/${encodeURIComponent(id)}/training-copy`, {
    method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: cipher as BodyInit,
  });
  return ((await posted.json()) as { id: string }).id;
}

function start(section: HTMLElement, t: Strings): void {
  const button = section.querySelector<HTMLButtonElement>('#copy-button')!;
  const pass = section.querySelector<HTMLInputElement>('#copy-passphrase')!;
  const status = new PageStatus('copy-message', button);
  button.addEventListener('click', () => {
    if (pass.value === '') { status.show(t.copyUnlockFirst, 'error'); pass.focus(); return; }
    button.disabled = true;
    void copy(section, pass.value, status, t).then((copyId) => {
      pass.value = '';
      status.show(t.copyDone(copyId), 'ok');
      section.dataset.copyId = copyId;
      const link = document.createElement('a');
      link.href = `/recordings/${copyId}`;
      link.id = 'copy-link';
      link.textContent = copyId;
      status.show(t.copyDone(copyId), 'ok');
      document.getElementById('copy-message')!.after(link);
    }, (err: unknown) => status.show(failureSentence(t, err), 'error')).finally(() => { button.disabled = false; });
  });
}

installStyles();
const section = document.querySelector<HTMLElement>('section#training-copy');
if (section !== null) start(section, strings());
