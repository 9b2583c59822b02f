/** GET /audit (compliance): the chain's verification, then the rows, filtered, newest first, paged by sequence number. */
import { html } from '../html.js';
import type { AuditEntry, AuditVerdict } from '../../index/types.js';
import { layout, type PageContext } from './layout.js';
import { auditTable } from './audit-table.js';

export interface AuditFilters { actor?: string; action?: string; recording?: string }

export function auditView(ctx: PageContext, verdict: AuditVerdict, f: AuditFilters, rows: readonly AuditEntry[], nextUrl: string | null): string {
  const { t } = ctx;
  const field = (id: keyof AuditFilters, label: string) => html`<div><label for="${id}">${label}</label><input id="${id}" name="${id}" value="${f[id] ?? ''}" maxlength="128"></div>`;
  return layout(ctx, t('audit.title'), html`
<h2>${t('audit.chain')}</h2>
<p id="audit-verdict" class="message${verdict.ok ? ' ok' : ''}" role="status">${verdict.ok ? t('audit.ok', verdict.rows, verdict.head.slice(0, 16)) : t('audit.broken', verdict.brokenAt, verdict.reason)}</p>
<form method="get" action="/audit" class="filters" id="audit-filter" role="search">
${field('actor', t('audit.actor'))}${field('action', t('audit.action'))}${field('recording', t('audit.recording'))}
<div><button type="submit">${t('audit.filter')}</button></div>
</form>
${auditTable(t, rows, true)}
${nextUrl !== null ? html`<p><a id="next-page" rel="next" href="${nextUrl}">${t('rec.next')}</a></p>` : null}`).text;
}
