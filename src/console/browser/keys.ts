/**
 * Entry `keys` (GET /keys). First sign-in: `#key-setup` makes the user's
 * personal age X25519 identity here, wraps it with the passphrase (age
 * scrypt) and sends the server only the recipient and the wrapped copy
 * (POST /api/me/key). Later: `#key-unlock` checks the passphrase against the
 * stored copy; the unlocked key lives in this page's memory and dies with it.
 */
import { createPersonalKey, passkeysAvailable, unwrapPersonalKey, wrapWithPasskey } from './age-keys.js';
import { getJson, postJson, type MyKey } from './api.js';
import { failureSentence } from './key-messages.js';
import { PageStatus } from './page-status.js';
import { installStyles } from './styles.js';
import { strings } from './strings.js';

const MIN_PASSPHRASE = 12;
const t = strings();
installStyles();

function field(form: HTMLFormElement, id: string): HTMLInputElement {
  const el = form.querySelector<HTMLInputElement>(`#${id}`);
  if (el === null) throw new Error(`keys page: #${id} missing`);
  return el;
}

/** Disables the form's buttons while `work` runs, so a double click does not make two keys. */
async function busy(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input[type=submit]')];
  for (const b of buttons) b.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    for (const b of buttons) b.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

const setup = document.querySelector<HTMLFormElement>('#key-setup');
if (setup !== null) {
  const status = new PageStatus('key-message', setup);
  // The passkey wrap is offered only where WebAuthn exists; the passphrase wrap is always made.
  let passkeyToo: HTMLInputElement | null = null;
  if (passkeysAvailable()) {
    passkeyToo = Object.assign(document.createElement('input'), { type: 'checkbox', id: 'passkey-too' });
    const label = Object.assign(document.createElement('label'), { htmlFor: 'passkey-too', textContent: ` ${t.passkeyToo}` });
    const p = document.createElement('p');
    p.append(passkeyToo, label);
    (setup.querySelector('button[type=submit]')?.closest('p') ?? setup.lastElementChild)?.before(p);
  }
  setup.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const pass = field(setup, 'passphrase');
    const again = field(setup, 'passphrase2');
    if (pass.value.length < MIN_PASSPHRASE) return status.show(t.keyPassphraseShort, 'error');
    if (pass.value !== again.value) return status.show(t.keyPassphraseMismatch, 'error');
    void busy(setup, async () => {
      status.show(t.keyCreating);
      try {
        const key = await createPersonalKey(pass.value);
        const wrapped = [{ kind: 'passphrase', data: key.wrappedPassphrase }];
        if (passkeyToo?.checked === true) wrapped.push({ kind: 'passkey', data: await wrapWithPasskey(key.text, `callvault ${location.host}`) });
        await postJson('/api/me/key', { recipient: key.recipient, wrapped });
        pass.value = '';
        again.value = '';
        setup.hidden = true;
        status.show(t.keyCreated, 'ok');
        document.dispatchEvent(new CustomEvent('cv:key-created', { detail: { recipient: key.recipient } }));
      } catch (err) {
        status.show(failureSentence(t, err), 'error');
      }
    });
  });
}

const unlock = document.querySelector<HTMLFormElement>('#key-unlock');
if (unlock !== null) {
  const status = new PageStatus('key-message', unlock);
  unlock.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const pass = field(unlock, 'passphrase');
    void busy(unlock, async () => {
      status.show(t.keyUnlocking);
      try {
        const mine = await getJson<MyKey>('/api/me/key');
        const wrapped = mine.wrapped.find((w) => w.kind === 'passphrase');
        if (wrapped === undefined) throw new Error(t.noKeyYet);
        await unwrapPersonalKey(wrapped.data, pass.value);
        pass.value = '';
        status.show(t.keyUnlocked, 'ok');
      } catch (err) {
        status.show(failureSentence(t, err), 'error');
      }
    });
  });
}
