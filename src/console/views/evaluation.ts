/**
 * GET /evaluations/:id: one evaluation, for whoever may see it, in the mode
 * the route decided (evaluation-access.ts): the author scoring a draft while
 * listening (the player on the evaluation's own notes), a reviewer releasing
 * or judging a dispute (rescore or refuse), the agent reading a released
 * evaluation and acknowledging or disputing it, compliance voiding one. Plain
 * HTML forms (each POST carries the CSRF field): only the player needs the
 * bundle, so scoring works in any browser and a screen reader reads every
 * question as a fieldset with its legend.
 */
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import type { OpsRecording } from '../../index/ops-rows.js';
import type { EvaluationRecord } from '../../index/quality-store.js';
import type { EvaluationForm, FormLanguage, Question } from '../../quality/form.js';
import type { Answer, AnswerValue } from '../../quality/scoring.js';
import type { EventType } from '../../quality/evaluation-state.js';
import { layout, type PageContext } from './layout.js';
import { playerSection } from './player-section.js';
import { durationText, timeText } from './format.js';

/** What the viewer may do here, decided by the route from the lifecycle tables. */
export interface EvaluationActions {
  /** The answers are a form: `draft` (author: save, submit) or `rescore` (a reviewer judging a dispute). */
  answers: 'read' | 'draft' | 'rescore';
  /** Lifecycle steps offered as buttons (each its own small form). */
  steps: readonly Exclude<EventType, 'submit' | 'rescore'>[];
  /** The recording can be played here (still archived, viewer may listen). */
  player: OpsRecording | null;
  /** Notes can be added (to the waveform): author of a draft, or rescoring. */
  notes: boolean;
}

export interface EvaluationModel {
  ev: EvaluationRecord;
  form: EvaluationForm;
  answers: readonly Answer[];
  notes: ReadonlyArray<{ questionId: string | null; atMs: number; text: string; author: string }>;
  history: ReadonlyArray<{ event: string; actor: string; at: string; detail: Record<string, unknown> }>;
  actions: EvaluationActions;
  /** The agent as the viewer may see them: the agent id for reviewers who know it, else a short hash. */
  agentLabel: string;
  /** A message after a redirect (saved, submitted, ...). */
  flash: string | null;
}

const pct = (p: number | null | undefined) => (p === null || p === undefined ? '—' : `${(Math.round(p * 10) / 10).toFixed(1)} %`);

function valueText(t: Translate, lang: FormLanguage, q: Question, v: AnswerValue | undefined): string {
  if (v === undefined) return '—';
  switch (v.kind) {
    case 'na': return t('eval.na');
    case 'yes-no': return v.answer === 'yes' ? t('eval.yes') : t('eval.no');
    case 'scale': return q.kind === 'scale' ? `${v.value} / ${q.max}` : String(v.value);
    case 'choice': return q.kind === 'choice' ? (q.options.find((o) => o.id === v.option)?.label[lang] ?? v.option) : v.option;
  }
}

/** The radio value of an answer, as the answers route reads it back. */
function radioValue(v: AnswerValue | undefined): string | null {
  if (v === undefined) return null;
  switch (v.kind) {
    case 'na': return 'na';
    case 'yes-no': return v.answer;
    case 'scale': return String(v.value);
    case 'choice': return v.option;
  }
}

/** One question as a fieldset of radios; `withComment: false` for calibration, which keeps answers only. */
export function questionInput(t: Translate, lang: FormLanguage, q: Question, a: Answer | undefined, withComment = true): Html {
  const current = radioValue(a?.value);
  const options: Array<{ value: string; label: string }> =
    q.kind === 'yes-no' ? [{ value: 'yes', label: t('eval.yes') }, { value: 'no', label: t('eval.no') }]
      : q.kind === 'scale' ? Array.from({ length: q.max - q.min + 1 }, (_, i) => ({ value: String(q.min + i), label: String(q.min + i) }))
        : q.options.map((o) => ({ value: o.id, label: o.label[lang] }));
  if (q.na === 'allowed') options.push({ value: 'na', label: t('eval.na') });
  const severity = q.severity === 'normal' ? null : html` <strong class="severity-${q.severity}">(${t(q.severity === 'fatal' ? 'eval.fatal' : 'eval.critical')})</strong>`;
  const commentRule = q.comment === 'required' ? t('eval.commentRequired') : q.comment === 'on-failure' ? t('eval.commentOnFailure') : t('eval.commentOptional');
  return html`<fieldset class="question" id="q-${q.id}"><legend>${q.label[lang]}${severity}</legend>
${q.help !== undefined ? html`<p class="help">${q.help[lang]}</p>` : null}
<div class="choices">${options.map((o) => html`<label><input type="radio" name="a.${q.id}" value="${o.value}"${current === o.value ? html` checked` : null}> ${o.label}</label>`)}</div>
${withComment ? html`<label for="c-${q.id}">${t('eval.comment')} (${commentRule})</label>
<textarea id="c-${q.id}" name="c.${q.id}" rows="2" maxlength="2000">${a?.comment ?? ''}</textarea>` : null}
</fieldset>`;
}

function answersForm(ctx: PageContext, m: EvaluationModel): Html {
  const { t } = ctx;
  const lang = ctx.lang;
  const byId = new Map(m.answers.map((a) => [a.questionId, a]));
  const rescore = m.actions.answers === 'rescore';
  return html`<form id="evaluation-form" method="post" action="/evaluations/${m.ev.id}/answers">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
${m.form.sections.map((s) => html`<section class="form-section" aria-labelledby="s-${s.id}"><h3 id="s-${s.id}">${s.label[lang]} <small>(${t('eval.weight')} ${s.weight})</small></h3>
${s.questions.map((q) => questionInput(t, lang, q, byId.get(q.id)))}
</section>`)}
${rescore ? html`<label for="rescore-comment">${t('eval.rescoreComment')}</label>
<textarea id="rescore-comment" name="comment" rows="3" maxlength="2000" required></textarea>
<p><button type="submit" name="action" value="rescore">${t('eval.rescore')}</button></p>`
    : html`<p><button type="submit" name="action" value="save">${t('eval.save')}</button> <button type="submit" name="action" value="submit">${t('eval.submit')}</button></p>`}
</form>`;
}

function answersTable(ctx: PageContext, m: EvaluationModel): Html {
  const { t } = ctx;
  const byId = new Map(m.answers.map((a) => [a.questionId, a]));
  const status = new Map((m.ev.score?.questions ?? []).map((q) => [q.questionId, q.status]));
  return html`<table id="evaluation-answers"><thead><tr><th scope="col">${t('eval.question')}</th><th scope="col">${t('eval.answer')}</th><th scope="col">${t('eval.result')}</th><th scope="col">${t('eval.comment')}</th></tr></thead>
<tbody>${m.form.sections.map((s) => html`<tr><th scope="rowgroup" colspan="4">${s.label[ctx.lang]}</th></tr>
${s.questions.map((q) => {
    const a = byId.get(q.id);
    const st = status.get(q.id);
    return html`<tr id="answer-${q.id}"><td>${q.label[ctx.lang]}</td><td>${valueText(t, ctx.lang, q, a?.value)}</td><td>${st === undefined ? '—' : t(`eval.status.${st}`)}</td><td>${a?.comment ?? ''}</td></tr>`;
  })}`)}</tbody></table>`;
}

function scoreBlock(ctx: PageContext, m: EvaluationModel): Html {
  const { t } = ctx;
  const s = m.ev.score;
  if (s === null) return html`<p id="evaluation-score">${t('eval.noScore')}</p>`;
  const label = new Map(m.form.sections.map((x) => [x.id, x.label[ctx.lang]]));
  const qLabel = new Map(m.form.sections.flatMap((x) => x.questions.map((q) => [q.id, q.label[ctx.lang]] as const)));
  return html`<p id="evaluation-score"><strong>${pct(s.percent)}</strong> — ${t(`eval.outcome.${s.outcome.outcome}`)}${s.outcome.outcome === 'failed' && s.outcome.reason === 'fatal' ? html` (${t('eval.beforeFatal')} ${pct(s.percentBeforeFatal)})` : null}</p>
<table id="evaluation-sections"><thead><tr><th scope="col">${t('eval.section')}</th><th scope="col">${t('eval.weight')}</th><th scope="col">%</th></tr></thead>
<tbody>${s.sections.map((x) => html`<tr><td>${label.get(x.sectionId) ?? x.sectionId}</td><td>${x.weight}</td><td>${pct(x.percent)}</td></tr>`)}</tbody></table>
${s.critical.failed.length > 0 ? html`<p id="critical-failed">${t('eval.criticalFailed')}: ${s.critical.failed.map((q) => qLabel.get(q) ?? q).join(', ')}</p>` : null}
${s.fatal.failed.length > 0 ? html`<p id="fatal-failed">${t('eval.fatalFailed')}: ${s.fatal.failed.map((q) => qLabel.get(q) ?? q).join(', ')}</p>` : null}`;
}

const COMMENT_STEPS: ReadonlySet<string> = new Set(['dispute', 'refuse', 'void', 'reopen', 'acknowledge']);

function stepForms(ctx: PageContext, m: EvaluationModel): Html | null {
  const { t } = ctx;
  if (m.actions.steps.length === 0) return null;
  return html`<section aria-labelledby="steps-h"><h2 id="steps-h">${t('eval.steps')}</h2>
${m.actions.steps.map((step) => html`<form class="step" id="step-${step}" method="post" action="/evaluations/${m.ev.id}/step">
<input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="event" value="${step}">
${COMMENT_STEPS.has(step) ? html`<label for="comment-${step}">${t(step === 'acknowledge' ? 'eval.commentOptionalLabel' : 'eval.commentNeeded')}</label>
<textarea id="comment-${step}" name="comment" rows="2" maxlength="2000"${step === 'acknowledge' ? null : html` required`}></textarea>` : null}
<button type="submit">${t(`eval.step.${step}`)}</button>
</form>`)}
</section>`;
}

export function evaluationView(ctx: PageContext, m: EvaluationModel): string {
  const { t } = ctx;
  const e = m.ev;
  const qLabel = new Map(m.form.sections.flatMap((x) => x.questions.map((q) => [q.id, q.label[ctx.lang]] as const)));
  const noteQuestion = m.actions.notes ? html`<label for="note-question">${t('eval.noteQuestion')}</label>
<select id="note-question"><option value="">${t('eval.noteWhole')}</option>${m.form.sections.flatMap((s) => s.questions).map((q) => html`<option value="${q.id}">${q.label[ctx.lang]}</option>`)}</select>` : null;
  const body = html`
${m.flash !== null ? html`<p id="evaluation-flash" role="status">${m.flash}</p>` : null}
<table id="evaluation-meta"><tbody>
<tr><th scope="row">${t('eval.state')}</th><td id="evaluation-state">${t(`eval.state.${e.state.state}`)}</td></tr>
<tr><th scope="row">${t('eval.form')}</th><td>${m.form.title[ctx.lang]} (v${e.form.version})</td></tr>
<tr><th scope="row">${t('eval.call')}</th><td>${m.actions.player !== null ? html`<a href="/recordings/${e.recordingId}">${timeText(e.callStartedAt)}</a>` : timeText(e.callStartedAt)} · ${e.line}</td></tr>
<tr><th scope="row">${t('eval.agent')}</th><td>${m.agentLabel}</td></tr>
<tr><th scope="row">${t('eval.evaluator')}</th><td>${e.evaluator}</td></tr>
${'comment' in e.state && e.state.comment !== null ? html`<tr><th scope="row">${t('eval.stateComment')}</th><td id="evaluation-state-comment">${e.state.comment}</td></tr>` : null}
${e.state.state === 'void' ? html`<tr><th scope="row">${t('eval.voidReason')}</th><td>${e.state.reason}</td></tr>` : null}
</tbody></table>
<section aria-labelledby="score-h"><h2 id="score-h">${t('eval.score')}</h2>${scoreBlock(ctx, m)}</section>
${m.actions.player !== null ? html`<section aria-labelledby="player-h"><h2 id="player-h">${t('show.player')}</h2>
${playerSection(t, m.actions.player, { meta: `/api/evaluations/${e.id}/meta`, notes: `/api/evaluations/${e.id}/notes` }, noteQuestion)}</section>` : null}
<section aria-labelledby="answers-h"><h2 id="answers-h">${t('eval.answers')}</h2>
${m.actions.answers === 'read' ? answersTable(ctx, m) : answersForm(ctx, m)}</section>
<section aria-labelledby="notes-h"><h2 id="notes-h">${t('eval.notes')}</h2>
${m.notes.length === 0 ? html`<p>${t('eval.noNotes')}</p>` : html`<ol id="evaluation-notes">${m.notes.map((n) => html`<li><span class="at">${durationText(n.atMs)}</span> ${n.questionId !== null ? html`[${qLabel.get(n.questionId) ?? n.questionId}] ` : null}${n.text} — ${n.author}</li>`)}</ol>`}
</section>
${stepForms(ctx, m)}
<section aria-labelledby="history-h"><h2 id="history-h">${t('eval.history')}</h2>
<ol id="evaluation-history"><li>${timeText(e.createdAt)} — ${t('eval.created')} — ${e.evaluator}</li>${m.history.map((h) => html`<li>${timeText(h.at)} — ${t(`eval.step.${h.event as EventType}`)} — ${h.actor}${typeof h.detail.previousScore === 'number' ? html` (${t('eval.previousScore')} ${pct(h.detail.previousScore)})` : null}</li>`)}</ol>
</section>`;
  return layout(ctx, t('eval.title'), body, m.actions.player !== null ? ['player'] : []).text;
}
