/** GET /keys: personal key setup (no key yet) or unlock check, and the purposes granted (bundle `keys`). */
import { html } from '../html.js';
import type { Grant } from '../store/grants.js';
import type { UserKey } from '../store/user-keys.js';
import { layout, type PageContext } from './layout.js';
import { timeText } from './format.js';

export function keysView(ctx: PageContext, key: UserKey | null, grants: readonly Grant[]): string {
  const { t } = ctx;
  const form = key === null
    ? html`<p>${t('keys.setup')}</p>
<form id="key-setup">
<label for="passphrase">${t('keys.passphrase')}</label><input id="passphrase" type="password" autocomplete="new-password" required minlength="12">
<label for="passphrase2">${t('keys.passphrase2')}</label><input id="passphrase2" type="password" autocomplete="new-password" required minlength="12">
<p><button type="submit">${t('keys.create')}</button></p>
</form>`
    : html`<p id="key-recipient" data-recipient="${key.recipient}">${t('keys.has', key.recipient)}</p>
<form id="key-unlock">
<label for="passphrase">${t('keys.passphrase')}</label><input id="passphrase" type="password" autocomplete="current-password" required>
<p><button type="submit">${t('keys.unlock')}</button></p>
</form>`;
  return layout(ctx, t('keys.title'), html`${form}
<p id="key-message" role="status"></p>
<h2>${t('keys.grants')}</h2>
${grants.length === 0 ? html`<p>${t('keys.noGrants')}</p>` : html`<ul id="my-grants">${grants.map((g) => html`<li>${g.purpose} (${g.grantedBy}, ${timeText(g.grantedAt)})</li>`)}</ul>`}`, ['keys']).text;
}
