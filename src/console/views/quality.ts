/**
 * GET /quality: the dashboard. Filters (period, team), then each figure as a
 * table with the evaluations behind it and the failed critical and fatal
 * questions apart, the team verdicts against their targets, and SVG charts
 * drawn on the server (bars per team and per criterion, a criterion-by-team
 * heat map, a per-agent weekly trend) with their numbers written out.
 */
import { html, type Html } from '../html.js';
import type { Tally } from '../../index/quality-stats.js';
import type { KpiStatus } from '../../quality/kpi.js';
import type { Translate } from '../i18n.js';
import { agentLabel, NO_TEAM_FILTER, TOTAL, type Dashboard } from '../quality-dashboard.js';
import { barChart, heatMap } from './charts.js';
import { layout, type PageContext } from './layout.js';

/** More rows make the trend unreadable (and the page heavy); the team filter narrows it. */
export const TREND_MAX_AGENTS = 60;

export interface QualityViewData {
  dashboard: Dashboard;
  /** The teams of `teams:` for the filter. */
  teamNames: readonly string[];
  /** Section id -> label in the viewer's language, from the stored forms. */
  sectionLabels: ReadonlyMap<string, string>;
  /** Whether the viewer's scope narrows the lines (a note says so). */
  scoped: boolean;
  csvUrl: string;
}

const pct = (p: number | null) => (p === null ? '—' : `${(Math.round(p * 10) / 10).toFixed(1)}%`);

function verdictText(t: Translate, s: KpiStatus | null): string {
  if (s === null) return '';
  switch (s.status) {
    case 'met': return `${t('quality.met')} (${s.gap >= 0 ? '+' : ''}${s.gap.toFixed(1)})`;
    case 'missed': return `${t('quality.missed')} (${s.gap.toFixed(1)})`;
    case 'too-few': return t('quality.tooFew', s.evaluations, s.needed);
    case 'no-data': return t('quality.noData');
  }
}

const cells = (x: Tally): Html => html`<td>${x.evaluations}</td><td>${pct(x.percent)}</td><td>${x.criticalFailed}</td><td>${x.fatalFailed}</td>`;

function head(t: Translate, first: string, more: readonly string[] = []): Html {
  return html`<thead><tr><th scope="col">${first}</th><th scope="col">${t('quality.evaluations')}</th><th scope="col">${t('quality.percent')}</th><th scope="col">${t('quality.critical')}</th><th scope="col">${t('quality.fatal')}</th>${more.map((m) => html`<th scope="col">${m}</th>`)}</tr></thead>`;
}

export function qualityView(ctx: PageContext, v: QualityViewData): string {
  const { t } = ctx;
  const d = v.dashboard;
  const s = d.stats;
  const teamName = (team: string) => (team === '' ? t('quality.noTeam') : team);
  const label = (section: string) => v.sectionLabels.get(section) ?? section;
  const teams = [...s.teams.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  const teamTarget = (team: string, key: string) => d.verdicts.get(team)?.find((x) => x.key === key);
  const trendAgents = d.agents.slice(0, TREND_MAX_AGENTS);
  const filters = html`<form id="quality-filters" method="get" action="/quality">
<label>${t('quality.from')} <input type="date" name="from" value="${d.period.from}" required></label>
<label>${t('quality.to')} <input type="date" name="to" value="${d.period.to}" required></label>
<label>${t('quality.team')} <select name="team"><option value="">${t('quality.allTeams')}</option>
${v.teamNames.map((n) => html`<option value="${n}"${d.team === n ? html` selected` : null}>${n}</option>`)}
<option value="${NO_TEAM_FILTER}"${d.team === '' ? html` selected` : null}>${t('quality.noTeam')}</option></select></label>
<button type="submit">${t('quality.show')}</button>
<a id="quality-csv" href="${v.csvUrl}">${t('quality.csv')}</a>
</form>`;
  const intro = html`<p id="quality-period">${t('quality.period', d.period.from, d.period.to)}</p>
${v.scoped ? html`<p id="quality-scope">${t('quality.scope')}</p>` : null}`;
  if (s.total.evaluations === 0 && s.total.criticalFailed === 0 && s.total.fatalFailed === 0) {
    return layout(ctx, t('quality.title'), html`${filters}${intro}<p id="quality-none" class="message">${t('quality.none')}</p>`).text;
  }
  return layout(ctx, t('quality.title'), html`${filters}${intro}
<table id="quality-total">${head(t, '')}<tbody><tr><th scope="row">${t('quality.total')}</th>${cells(s.total)}</tr></tbody></table>

<h2 id="quality-teams-title">${t('quality.byTeam')}</h2>
${barChart('chart-teams', t('quality.byTeam'), teams.map((team) => {
    const x = s.teams.get(team)!;
    const target = teamTarget(team, TOTAL);
    return { label: teamName(team), value: x.percent ?? 0, max: 100, marker: target?.target.atLeast,
      text: `${pct(x.percent)} n=${x.evaluations}${target === undefined ? '' : ` · ${verdictText(t, target.status)}`}` };
  }))}
<table id="quality-teams">${head(t, t('quality.team'))}<tbody>
${teams.map((team) => html`<tr><th scope="row">${teamName(team)}</th>${cells(s.teams.get(team)!)}</tr>`)}
</tbody></table>
<table id="quality-verdicts"><thead><tr><th scope="col">${t('quality.team')}</th><th scope="col">${t('quality.criterion')}</th><th scope="col">${t('quality.target')}</th><th scope="col">${t('quality.verdict')}</th></tr></thead><tbody>
${[...d.verdicts].map(([team, vs]) => vs.length === 0 ? null : vs.map((x) => html`<tr class="verdict-${x.status.status}"><th scope="row">${team}</th><td>${x.key === TOTAL ? t('quality.total') : label(x.key)}</td><td>≥ ${x.target.atLeast}% (n ≥ ${x.target.minEvaluations})</td><td>${verdictText(t, x.status)}</td></tr>`))}
</tbody></table>
${d.verdicts.size === 0 ? html`<p id="quality-no-targets">${t('quality.noTargets')}</p>` : null}

<h2>${t('quality.byCriterion')}</h2>
${barChart('chart-criteria', t('quality.byCriterion'), s.sections.map((c) => {
    const x = s.criteria.get(c)!;
    return { label: label(c), value: x.percent ?? 0, max: 100, text: `${pct(x.percent)} n=${x.evaluations}` };
  }))}
<table id="quality-criteria">${head(t, t('quality.criterion'))}<tbody>
${s.sections.map((c) => html`<tr><th scope="row">${label(c)}</th>${cells(s.criteria.get(c)!)}</tr>`)}
</tbody></table>

<h2>${t('quality.heatmap')}</h2>
${heatMap('chart-heatmap', t('quality.heatmap'), teams.map(teamName), s.sections.map(label), (i, j) => {
    const x = s.criteriaByTeam.get(teams[i]!)?.get(s.sections[j]!);
    const target = teamTarget(teams[i]!, s.sections[j]!);
    return { value: x?.percent ?? null, text: x === undefined ? '—' : `${pct(x.percent)} n=${x.evaluations}`, flagged: target?.status.status === 'missed' };
  })}

<h2>${t('quality.byAgent')}</h2>
<table id="quality-agents">${head(t, t('quality.agent'), [t('quality.team'), t('quality.verdict')])}<tbody>
${d.agents.map((a) => html`<tr><th scope="row">${a.hash === null ? t('quality.noAgent') : agentLabel(a)}</th>${cells(a.tally)}<td>${a.team ?? t('quality.noTeam')}</td><td>${verdictText(t, a.verdict)}</td></tr>`)}
</tbody></table>

<h2>${t(s.bucket === 'week' ? 'quality.trend' : 'quality.trendMonthly')}</h2>
${d.agents.length > TREND_MAX_AGENTS ? html`<p id="quality-trend-cut">${t('quality.trendCut', TREND_MAX_AGENTS, d.agents.length)}</p>` : null}
${heatMap('chart-trend', t(s.bucket === 'week' ? 'quality.trend' : 'quality.trendMonthly'), trendAgents.map((a) => (a.hash === null ? t('quality.noAgent') : agentLabel(a))), s.buckets, (i, j) => {
    const x = s.trend.get(trendAgents[i]!.hash ?? '')?.get(s.buckets[j]!);
    return { value: x?.percent ?? null, text: x === undefined ? '—' : `${pct(x.percent)} n=${x.evaluations}` };
  })}

<h2>${t('quality.byLine')}</h2>
<table id="quality-lines">${head(t, t('quality.line'))}<tbody>
${[...s.lines.keys()].sort().map((l) => html`<tr><th scope="row">${l}</th>${cells(s.lines.get(l)!)}</tr>`)}
</tbody></table>`).text;
}
