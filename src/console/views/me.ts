/**
 * GET /me: what an employee is told about being recorded: each line's mode
 * and rate, the agent's own rate where the config sets one, and for an
 * agent their released evaluations with their mean beside their team's.
 */
import { html, type Html } from '../html.js';
import type { StateName } from '../../quality/evaluation-state.js';
import { timeText } from './format.js';
import { layout, type PageContext } from './layout.js';

export interface LineWindow { line: string; mode: string; purpose: string; rate: number | null }

/** An agent's side of the evaluations (issue 10): theirs once released, and their mean beside their team's. */
export interface MyEvaluations {
  list: ReadonlyArray<{ id: string; callStartedAt: string; line: string; state: StateName; percent: number | null; outcome: string | null }>;
  own: { percent: number | null; evaluations: number };
  team: { name: string; percent: number | null; evaluations: number } | null;
}

/** States where the agent has something to do (acknowledge, or dispute a first score). */
const WAITING: ReadonlySet<StateName> = new Set(['released', 'rescored']);

function evaluationsBlock(ctx: PageContext, m: MyEvaluations): Html {
  const { t } = ctx;
  const p = (x: number | null) => (x === null ? '—' : `${(Math.round(x * 10) / 10).toFixed(1)} %`);
  return html`<section aria-labelledby="me-evals-h"><h2 id="me-evals-h">${t('me.evaluationsTitle')}</h2>
<p id="me-means">${t('me.ownMean')}: <strong>${p(m.own.percent)}</strong> (${t('me.basedOn', m.own.evaluations)})${m.team !== null ? html` · ${t('me.teamMean')} (${m.team.name}): <strong>${p(m.team.percent)}</strong> (${t('me.basedOn', m.team.evaluations)})` : null}</p>
${m.list.length === 0 ? html`<p>${t('me.noEvaluations')}</p>` : html`<table id="me-evaluations"><thead><tr><th scope="col">${t('eval.call')}</th><th scope="col">${t('rec.line')}</th><th scope="col">${t('eval.score')}</th><th scope="col">${t('eval.state')}</th></tr></thead>
<tbody>${m.list.map((e) => html`<tr><td><a href="/evaluations/${e.id}">${timeText(e.callStartedAt)}</a></td><td>${e.line}</td><td>${p(e.percent)}</td><td>${t(`eval.state.${e.state}`)}${WAITING.has(e.state) ? html` — <strong>${t('me.toAnswer')}</strong>` : null}</td></tr>`)}</tbody></table>`}
</section>`;
}

export function meView(ctx: PageContext, lines: readonly LineWindow[], ownRate: number | null, evaluations: MyEvaluations | null = null, periods: readonly string[] = []): string {
  const { t } = ctx;
  const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`);
  return layout(ctx, t('me.title'), html`<h2>${t('me.lines')}</h2>
<table id="me-lines"><thead><tr><th scope="col">${t('rec.line')}</th><th scope="col">mode</th><th scope="col">${t('rec.purpose')}</th><th scope="col">%</th></tr></thead>
<tbody>${lines.map((l) => html`<tr><td>${l.line}</td><td>${l.mode}</td><td>${l.purpose}</td><td>${pct(l.rate)}</td></tr>`)}</tbody></table>
${ownRate !== null ? html`<p id="me-rate">${t('me.rate')}: ${pct(ownRate)}</p>` : null}
${periods.length > 0 ? html`<section aria-labelledby="me-windows-h"><h2 id="me-windows-h">${t('me.windows')}</h2><pre id="me-windows">${periods.join('\n')}</pre></section>` : null}
${evaluations !== null ? evaluationsBlock(ctx, evaluations) : null}`).text;
}
