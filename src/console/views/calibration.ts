/**
 * GET /calibrations/:id. Open: who takes part and who has submitted (names
 * only), the player without notes, and the viewer's own answers as a form
 * until they submit; the lead also gets the close button. Closed: the report,
 * each evaluator's deviation from the lead's reference in total and per
 * question, in points of the question's weight (src/quality/calibration.ts).
 */
import { html, type Html } from '../html.js';
import type { Calibration, CalibrationEntryRow } from '../../index/calibration-store.js';
import type { OpsRecording } from '../../index/ops-rows.js';
import type { CalibrationReport, QuestionDeviation } from '../../quality/calibration.js';
import type { EvaluationForm } from '../../quality/form.js';
import type { Answer } from '../../quality/scoring.js';
import { layout, type PageContext } from './layout.js';
import { playerSection } from './player-section.js';
import { questionInput } from './evaluation.js';
import { timeText } from './format.js';

export interface CalibrationModel {
  cal: Calibration;
  form: EvaluationForm;
  entries: readonly CalibrationEntryRow[];
  rec: OpsRecording | null;
  viewer: string;
  own: readonly Answer[];
  report: CalibrationReport | null;
  flash: string | null;
}

const signed = (x: number | null) => (x === null ? '—' : `${x > 0 ? '+' : ''}${(Math.round(x * 10) / 10).toFixed(1)}`);

function deviationText(d: QuestionDeviation | undefined, na: string): string {
  if (d === undefined) return '—';
  switch (d.kind) {
    case 'scored': return signed(d.deviation);
    case 'both-na': return na;
    case 'na-mismatch': return `≠ ${na}`;
  }
}

function reportBlock(ctx: PageContext, m: CalibrationModel, r: CalibrationReport): Html {
  const { t } = ctx;
  if (r.kind === 'invalid') return html`<p role="alert">${t('cal.invalid', r.who)}</p>`;
  const questions = m.form.sections.flatMap((s) => s.questions);
  return html`<p>${t('cal.reportHelp', m.cal.lead)}</p>
<table id="calibration-summary"><thead><tr><th scope="col">${t('eval.evaluator')}</th><th scope="col">${t('cal.total')}</th><th scope="col">${t('cal.mad')}</th><th scope="col">${t('cal.naMismatches')}</th></tr></thead>
<tbody>${r.evaluators.map((e) => html`<tr><td>${e.evaluator}</td><td>${signed(e.totalDeviation)}</td><td>${e.meanAbsoluteDeviation === null ? '—' : (Math.round(e.meanAbsoluteDeviation * 10) / 10).toFixed(1)}</td><td>${e.naMismatches}</td></tr>`)}</tbody></table>
<table id="calibration-questions"><thead><tr><th scope="col">${t('eval.question')}</th>${r.evaluators.map((e) => html`<th scope="col">${e.evaluator}</th>`)}</tr></thead>
<tbody>${questions.map((q) => html`<tr id="cal-q-${q.id}"><td>${q.label[ctx.lang]}</td>${r.evaluators.map((e) => html`<td>${deviationText(e.questions[q.id], t('eval.na'))}</td>`)}</tr>`)}</tbody></table>`;
}

export function calibrationView(ctx: PageContext, m: CalibrationModel): string {
  const { t } = ctx;
  const c = m.cal;
  const mine = m.entries.find((e) => e.evaluator === m.viewer);
  const canAnswer = c.state === 'open' && mine?.submittedAt == null;
  const byId = new Map(m.own.map((a) => [a.questionId, a]));
  const body = html`${m.flash !== null ? html`<p id="calibration-flash" role="status">${m.flash}</p>` : null}
<table id="calibration-meta"><tbody>
<tr><th scope="row">${t('eval.state')}</th><td id="calibration-state">${t(`cal.state.${c.state}`)}</td></tr>
<tr><th scope="row">${t('eval.form')}</th><td>${m.form.title[ctx.lang]} (v${c.form.version})</td></tr>
<tr><th scope="row">${t('eval.call')}</th><td>${m.rec !== null ? html`<a href="/recordings/${c.recordingId}">${timeText(c.callStartedAt)}</a>` : timeText(c.callStartedAt)} · ${c.line}</td></tr>
<tr><th scope="row">${t('cal.lead')}</th><td>${c.lead}</td></tr>
</tbody></table>
<section aria-labelledby="cal-who-h"><h2 id="cal-who-h">${t('cal.participants')}</h2>
${m.entries.length === 0 ? html`<p>${t('cal.nobody')}</p>` : html`<ul id="calibration-participants">${m.entries.map((e) => html`<li>${e.evaluator}${e.evaluator === c.lead ? html` (${t('cal.reference')})` : null} — ${e.submittedAt === null ? t('cal.inProgress') : t('cal.submittedAt', timeText(e.submittedAt))}</li>`)}</ul>`}
<p>${t('cal.blind')}</p>
</section>
${c.state === 'open' && m.rec !== null ? html`<section aria-labelledby="player-h"><h2 id="player-h">${t('show.player')}</h2>${playerSection(t, m.rec, { meta: `/api/recordings/${m.rec.id}/meta`, notes: null })}</section>` : null}
${canAnswer ? html`<section aria-labelledby="cal-answers-h"><h2 id="cal-answers-h">${t('cal.yourAnswers')}</h2>
<form id="calibration-form" method="post" action="/calibrations/${c.id}/answers">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
${m.form.sections.map((s) => html`<section class="form-section" aria-labelledby="s-${s.id}"><h3 id="s-${s.id}">${s.label[ctx.lang]}</h3>${s.questions.map((q) => questionInput(t, ctx.lang, q, byId.get(q.id), false))}</section>`)}
<p><button type="submit" name="action" value="save">${t('eval.save')}</button> <button type="submit" name="action" value="submit">${t('cal.submit')}</button></p>
</form></section>` : null}
${c.state === 'open' && c.lead === m.viewer ? html`<form id="calibration-close" method="post" action="/calibrations/${c.id}/close"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">${t('cal.close')}</button></form>` : null}
${m.report !== null ? html`<section aria-labelledby="cal-report-h"><h2 id="cal-report-h">${t('cal.report')}</h2>${reportBlock(ctx, m, m.report)}</section>` : null}`;
  return layout(ctx, t('cal.title'), body, c.state === 'open' && m.rec !== null ? ['player'] : []).text;
}
