/**
 * GET /grants (admin): the grant form (bundle `grant` wraps the purpose
 * identity to the user's recipient in the browser) and the current grants,
 * each with a revoke form (plain POST).
 */
import { html } from '../html.js';
import { PURPOSES } from '../../policy/purpose.js';
import type { Grant } from '../store/grants.js';
import type { ConsoleUser } from '../store/users.js';
import { layout, type PageContext } from './layout.js';
import { timeText } from './format.js';

export function grantsView(ctx: PageContext, users: readonly ConsoleUser[], withKey: ReadonlySet<string>, grants: readonly Grant[], message: string | null): string {
  const { t } = ctx;
  return layout(ctx, t('grants.title'), html`
${message !== null ? html`<p class="message ok" role="status">${message}</p>` : null}
<form id="grant-form">
<label for="grant-user">${t('grants.user')}</label>
<select id="grant-user" required>${users.filter((u) => withKey.has(u.username) && u.state === 'active').map((u) => html`<option value="${u.username}">${u.username} (${u.role})</option>`)}</select>
<label for="grant-purpose">${t('grants.purpose')}</label>
<select id="grant-purpose" required>${PURPOSES.map((p) => html`<option value="${p}">${p}</option>`)}</select>
<label for="grant-identity-file">${t('grants.identity')}</label>
<input id="grant-identity-file" type="file" required>
<label for="grant-identity-passphrase">${t('grants.identityPassphrase')}</label>
<input id="grant-identity-passphrase" type="password" autocomplete="off">
<p><button type="submit">${t('grants.submit')}</button></p>
<p id="grant-message" role="status"></p>
</form>
<h2>${t('grants.existing')}</h2>
<table id="grants-table"><thead><tr><th scope="col">${t('grants.user')}</th><th scope="col">${t('grants.purpose')}</th><th scope="col">${t('grants.by')}</th><th scope="col">${t('grants.at')}</th><th scope="col"></th></tr></thead>
<tbody>${grants.map((g) => html`<tr><td>${g.username}</td><td>${g.purpose}</td><td>${g.grantedBy}</td><td>${timeText(g.grantedAt)}</td>
<td><form method="post" action="/grants/revoke"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="username" value="${g.username}"><input type="hidden" name="purpose" value="${g.purpose}"><button type="submit">${t('grants.revoke')} ${g.username} / ${g.purpose}</button></form></td></tr>`)}</tbody></table>`,
  ['grant']).text;
}
