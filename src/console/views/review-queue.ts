/** GET /quality/queue: the period, each agent's progress against the quota, and the proposed calls in rounds, each with its Evaluate button. */
import { html } from '../html.js';
import { layout, type PageContext } from './layout.js';
import { durationText, timeText } from './format.js';

export interface QueueRow { round: number; agent: string; recordingId: string; startedAt: string; line: string; durationMs: number }

export interface ReviewQueueModel {
  period: string;
  perAgent: number;
  agents: ReadonlyArray<{ agent: string; done: number }>;
  items: readonly QueueRow[];
}

export function reviewQueueView(ctx: PageContext, m: ReviewQueueModel): string {
  const { t } = ctx;
  const body = html`<p id="queue-period">${t('queue.period', m.period, m.perAgent)}</p>
<h2>${t('queue.progress')}</h2>
${m.agents.length === 0 ? html`<p>${t('queue.noCandidates')}</p>` : html`<table id="queue-agents"><thead><tr><th scope="col">${t('eval.agent')}</th><th scope="col">${t('queue.done')}</th><th scope="col">${t('queue.quota')}</th></tr></thead>
<tbody>${m.agents.map((a) => html`<tr><td>${a.agent}</td><td>${a.done}</td><td>${m.perAgent}</td></tr>`)}</tbody></table>`}
<h2>${t('queue.proposed')}</h2>
${m.items.length === 0 ? html`<p id="queue-empty">${t('queue.empty')}</p>` : html`<table id="queue-items"><thead><tr><th scope="col">${t('queue.round')}</th><th scope="col">${t('eval.agent')}</th><th scope="col">${t('eval.call')}</th><th scope="col">${t('rec.line')}</th><th scope="col">${t('rec.duration')}</th><th scope="col">${t('eval.start')}</th></tr></thead>
<tbody>${m.items.map((i) => html`<tr><td>${i.round}</td><td>${i.agent}</td><td><a href="/recordings/${i.recordingId}">${timeText(i.startedAt)}</a></td><td>${i.line}</td><td>${durationText(i.durationMs)}</td>
<td><form method="post" action="/recordings/${i.recordingId}/evaluations"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">${t('eval.start')}</button></form></td></tr>`)}</tbody></table>`}`;
  return layout(ctx, t('queue.title'), body).text;
}
