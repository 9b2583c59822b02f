/**
 * GET /me: what an employee is told about being recorded: each line's mode
 * and rate, and the agent's own rate where agents.rates sets one. Recording
 * windows by time of day do not exist in the config yet; this page shows
 * what does.
 */
import { html } from '../html.js';
import { layout, type PageContext } from './layout.js';

export interface LineWindow { line: string; mode: string; purpose: string; rate: number | null }

export function meView(ctx: PageContext, lines: readonly LineWindow[], ownRate: number | null): string {
  const { t } = ctx;
  const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);
  return layout(ctx, t('me.title'), html`<h2>${t('me.lines')}</h2>
<table id="me-lines"><thead><tr><th scope="col">${t('rec.line')}</th><th scope="col">mode</th><th scope="col">${t('rec.purpose')}</th><th scope="col">%</th></tr></thead>
<tbody>${lines.map((l) => html`<tr><td>${l.line}</td><td>${l.mode}</td><td>${l.purpose}</td><td>${pct(l.rate)}</td></tr>`)}</tbody></table>
${ownRate !== null ? html`<p id="me-rate">${t('me.rate')}: ${pct(ownRate)}</p>` : null}
<p>${t('me.evaluations')}</p>`).text;
}
