/**
 * GET/POST /subjects (compliance): a data subject's request (GDPR art. 15):
 * the recordings held about a phone number, with their holds. Erasure stays
 * a CLI action (`callvault subject erase`), where the operator sees every file
 * go. The number is not written back into the page.
 */
import { html } from '../html.js';
import type { OpsRecording } from '../../index/ops-rows.js';
import { layout, type PageContext } from './layout.js';
import { durationText, timeText } from './format.js';

export interface SubjectResult { rows: OpsRecording[]; held: ReadonlySet<string> }

export function subjectsView(ctx: PageContext, result: SubjectResult | null, message: string | null): string {
  const fr = ctx.lang === 'fr';
  const title = fr ? 'Demandes des personnes' : 'Subject requests';
  return layout(ctx, title, html`
<p>${fr ? 'Trouver les enregistrements d’un appelant (droit d’accès). L’effacement se fait en ligne de commande : callvault subject erase.' : 'Find the recordings of a caller (right of access). Erasure is done on the command line: callvault subject erase.'}</p>
${message !== null ? html`<p class="message" role="alert" id="subject-message">${message}</p>` : null}
<form method="post" action="/subjects" id="subject-form">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<label for="number">${fr ? 'Numéro de téléphone' : 'Phone number'}</label>
<input id="number" name="number" type="tel" autocomplete="off" required maxlength="40">
<label for="reason">${fr ? 'Motif (tracé dans le journal d’audit)' : 'Reason (written to the audit log)'}</label>
<input id="reason" name="reason" required maxlength="500">
<p><button type="submit">${fr ? 'Rechercher' : 'Search'}</button></p>
</form>
${result === null ? null : result.rows.length === 0 ? html`<p id="subject-none" role="status">${fr ? 'Aucun enregistrement de ce numéro.' : 'No recording of this number.'}</p>` : html`
<table id="subject-table"><thead><tr><th scope="col">${ctx.t('rec.id')}</th><th scope="col">${ctx.t('rec.started')}</th><th scope="col">${ctx.t('rec.duration')}</th><th scope="col">${ctx.t('rec.purpose')}</th><th scope="col">${ctx.t('show.holds')}</th></tr></thead>
<tbody>${result.rows.map((r) => html`<tr><td><a href="/recordings/${r.id}">${r.id}</a></td><td>${timeText(r.startedAt)}</td><td>${durationText(r.durationMs)}</td><td>${r.purpose}</td><td>${result.held.has(r.id) ? ctx.t('yes') : ctx.t('no')}</td></tr>`)}</tbody></table>`}`).text;
}
