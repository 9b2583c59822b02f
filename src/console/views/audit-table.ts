/** A table of audit rows: the recording page's access trail and the audit page share it. */
import { html, type Html } from '../html.js';
import type { AuditEntry } from '../../index/types.js';
import type { Translate } from '../i18n.js';
import { timeText } from './format.js';

export function auditTable(t: Translate, rows: readonly AuditEntry[], withRecording: boolean): Html {
  return html`<table id="audit-table">
<thead><tr><th scope="col">#</th><th scope="col">${t('audit.at')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.action')}</th>
${withRecording ? html`<th scope="col">${t('audit.recording')}</th>` : null}<th scope="col">${t('audit.reason')}</th><th scope="col">${t('audit.details')}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r.seq}</td><td>${timeText(r.at)}</td><td>${r.actor}</td><td>${r.action}</td>
${withRecording ? html`<td>${r.recordingId !== null ? html`<a href="/recordings/${r.recordingId}">${r.recordingId}</a>` : ''}</td>` : null}<td>${r.reason ?? ''}</td><td><code>${JSON.stringify(r.details)}</code></td></tr>`)}</tbody>
</table>`;
}
