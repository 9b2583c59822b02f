/** GET /status: what `callvault status` reports, with sampling per line and the spool backlog as SVG charts. */
import { html } from '../html.js';
import type { StatusReport } from '../../ops/status-report.js';
import { layout, type PageContext } from './layout.js';
import { barChart } from './charts.js';
import { timeText } from './format.js';

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);

export function statusView(ctx: PageContext, s: StatusReport, maxBacklog: number): string {
  const { t } = ctx;
  const sampling = s.sampling.filter((l) => l.mode !== 'never');
  return layout(ctx, t('status.title'), html`
<p id="status-health" class="message${s.healthy ? ' ok' : ''}" role="status">${s.healthy ? t('status.healthy') : `${t('status.problems')}: ${s.problems.length}`}</p>
${s.problems.length > 0 ? html`<ul id="status-problems">${s.problems.map((p) => html`<li>${p}</li>`)}</ul>` : null}
<table id="status-table"><tbody>
<tr><th scope="row">${t('status.daemon')}</th><td>${s.daemon.state}${s.daemon.pid !== null ? ` (pid ${s.daemon.pid})` : ''}${s.daemon.note !== null ? ` — ${s.daemon.note}` : ''}</td></tr>
<tr><th scope="row">${t('status.link')}</th><td>${s.link === null ? '—' : `${s.link.state} since ${timeText(s.link.since)}, ${s.link.reconnects} reconnects`}</td></tr>
<tr><th scope="row">${t('status.recordings')}</th><td>${s.recordings === null ? (s.index.error ?? '—') : `${s.recordings.recordings} (today ${s.recordings.recordingsToday}, 7 days ${s.recordings.recordings7Days}, held ${s.recordings.held}, purged ${s.recordings.purged})`}</td></tr>
<tr><th scope="row">${t('status.storage')}</th><td>${s.storage.freePercent === null ? '—' : `${s.storage.freePercent}% free`}</td></tr>
<tr><th scope="row">${t('status.nextPurge')}</th><td>${timeText(s.nextPurge.at)}${s.nextPurge.due !== null ? ` (${s.nextPurge.due} due, ${s.nextPurge.held ?? 0} held)` : ''}</td></tr>
</tbody></table>
<h2>${t('status.sampling')}</h2>
${barChart('chart-sampling', t('status.sampling'), sampling.map((l) => ({
    label: l.line, value: l.last7Days.achieved ?? 0, max: 1, marker: l.target ?? undefined,
    text: `${pct(l.last7Days.achieved)} ${t('status.achieved')} / ${l.target === null ? '—' : pct(l.target)} ${t('status.target')} (${l.last7Days.recorded}/${l.last7Days.offered})`,
  })))}
<table id="sampling-table"><thead><tr><th scope="col">${ctx.t('rec.line')}</th><th scope="col">mode</th><th scope="col">${t('status.target')}</th><th scope="col">${t('status.achieved')}</th><th scope="col">offered</th><th scope="col">recorded</th></tr></thead>
<tbody>${sampling.map((l) => html`<tr><td>${l.line}</td><td>${l.mode}</td><td>${pct(l.target)}</td><td>${pct(l.last7Days.achieved)}</td><td>${l.last7Days.offered}</td><td>${l.last7Days.recorded}</td></tr>`)}</tbody></table>
<h2>${t('status.backlog')}</h2>
${barChart('chart-backlog', t('status.backlog'), [{ label: 'spool', value: s.spool.backlog ?? 0, max: Math.max(maxBacklog, s.spool.backlog ?? 0), marker: maxBacklog, text: s.spool.backlog === null ? '—' : `${s.spool.backlog} / ${maxBacklog}` },
    { label: 'quarantine', value: s.quarantined, max: Math.max(maxBacklog, s.quarantined), text: String(s.quarantined) }])}`).text;
}
