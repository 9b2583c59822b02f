/**
 * Entry `grant` (GET /grants, admin). The admin picks a user and a purpose
 * and gives the purpose's identity file (`callvault keygen`) with its
 * passphrase; this page opens the file here, wraps its text to the user's
 * recipient (GET /api/users/:username/recipient) and POSTs only that
 * wrapped copy (/api/grants). The purpose key never reaches the server in
 * clear. When the purpose option carries `data-recipients` (the purpose's
 * archive recipients), a file of another purpose is refused before wrapping.
 */
import { openIdentityFile, recipientsOf, wrapForRecipient } from './age-keys.js';
import { ApiError, getJson, postJson } from './api.js';
import { failureSentence } from './key-messages.js';
import { PageStatus } from './page-status.js';
import { installStyles } from './styles.js';
import { strings } from './strings.js';

const t = strings();
installStyles();

const form = document.querySelector<HTMLFormElement>('#grant-form');
if (form !== null) {
  const status = new PageStatus('grant-message', form);
  const user = form.querySelector<HTMLSelectElement>('#grant-user')!;
  const purpose = form.querySelector<HTMLSelectElement>('#grant-purpose')!;
  const file = form.querySelector<HTMLInputElement>('#grant-identity-file')!;
  const pass = form.querySelector<HTMLInputElement>('#grant-identity-passphrase')!;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = file.files?.[0];
    if (chosen === undefined) return status.show(t.chooseFile, 'error');
    const button = form.querySelector<HTMLButtonElement>('button[type=submit], button:not([type])');
    if (button !== null) button.disabled = true;
    void (async () => {
      status.show(t.granting);
      try {
        const text = await openIdentityFile(new Uint8Array(await chosen.arrayBuffer()), pass.value);
        const expected = purpose.selectedOptions[0]?.dataset.recipients?.split(/[\s,]+/).filter((r) => r !== '');
        if (expected !== undefined && expected.length > 0) {
          const mine = await recipientsOf(text);
          if (!mine.some((r) => expected.includes(r))) throw new Error(t.wrongPurposeKey);
        }
        let recipient: string;
        try {
          ({ recipient } = await getJson<{ recipient: string }>(`/api/users/${encodeURIComponent(user.value)}/recipient`));
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) throw new Error(t.userNoKey, { cause: err });
          throw err;
        }
        const wrapped = await wrapForRecipient(text, recipient);
        await postJson('/api/grants', { username: user.value, purpose: purpose.value, wrapped });
        pass.value = '';
        file.value = '';
        status.show(t.granted(user.value, purpose.value), 'ok');
        document.dispatchEvent(new CustomEvent('cv:granted', { detail: { username: user.value, purpose: purpose.value } }));
      } catch (err) {
        status.show(failureSentence(t, err), 'error');
      } finally {
        if (button !== null) button.disabled = false;
      }
    })();
  });
}
