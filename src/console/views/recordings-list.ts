/** GET /recordings: the search form (plain GET) and one page of results. */
import { html } from '../html.js';
import { PURPOSES } from '../../policy/purpose.js';
import type { OpsRecording } from '../../index/ops-rows.js';
import { layout, type PageContext } from './layout.js';
import { durationText, timeText } from './format.js';

export interface ListFilters { from?: string; to?: string; line?: string; purpose?: string; team?: string; agent?: string; status?: string; minDuration?: number; maxDuration?: number }

export function recordingsListView(ctx: PageContext, f: ListFilters, lines: readonly string[], teams: readonly string[], rows: readonly OpsRecording[], nextUrl: string | null): string {
  const { t } = ctx;
  const select = (id: string, label: string, values: readonly string[], current: string | undefined) => html`<div><label for="${id}">${label}</label>
<select id="${id}" name="${id}"><option value="">${t('rec.any')}</option>${values.map((v) => html`<option value="${v}"${v === current ? html` selected` : null}>${v}</option>`)}</select></div>`;
  const input = (id: string, label: string, type: string, value: string | number | undefined) => html`<div><label for="${id}">${label}</label><input id="${id}" name="${id}" type="${type}" value="${value ?? ''}"${type === 'number' ? html` min="0"` : null}></div>`;
  return layout(ctx, t('rec.title'), html`
<form method="get" action="/recordings" class="filters" id="recordings-filter" role="search">
${input('from', t('rec.from'), 'date', f.from)}${input('to', t('rec.to'), 'date', f.to)}
${select('line', t('rec.line'), lines, f.line)}${select('purpose', t('rec.purpose'), PURPOSES, f.purpose)}${select('team', t('rec.team'), teams, f.team)}
${input('agent', t('rec.agent'), 'text', f.agent)}${select('status', t('rec.status'), ['archived', 'held'], f.status)}
${input('minDuration', t('rec.minDuration'), 'number', f.minDuration)}${input('maxDuration', t('rec.maxDuration'), 'number', f.maxDuration)}
<div><button type="submit">${t('rec.search')}</button></div>
</form>
${rows.length === 0 ? html`<p id="recordings-empty">${t('rec.none')}</p>` : html`<table id="recordings-table">
<thead><tr><th scope="col">${t('rec.id')}</th><th scope="col">${t('rec.started')}</th><th scope="col">${t('rec.duration')}</th><th scope="col">${t('rec.line')}</th><th scope="col">${t('rec.purpose')}</th><th scope="col">${t('rec.status')}</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td><a href="/recordings/${r.id}">${r.id}</a></td><td>${timeText(r.startedAt)}</td><td>${durationText(r.durationMs)}</td><td>${r.line}</td><td>${r.purpose}</td><td>${r.status}</td></tr>`)}</tbody></table>`}
${nextUrl !== null ? html`<p><a id="next-page" rel="next" href="${nextUrl}">${t('rec.next')}</a></p>` : null}`).text;
}
