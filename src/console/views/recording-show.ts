/** GET /recordings/:id: metadata, holds, access trail, and the player section of the contract (bundle `player`). */
import { html } from '../html.js';
import type { AuditEntry } from '../../index/types.js';
import type { HoldRow, OpsRecording } from '../../index/ops-rows.js';
import { layout, type PageContext } from './layout.js';
import { auditTable } from './audit-table.js';
import { durationText, timeText } from './format.js';
import { playerSection } from './player-section.js';
import type { StateName } from '../../quality/evaluation-state.js';
import { trainingCopySection } from './training.js';

export interface RecordingShowModel {
  rec: OpsRecording;
  holds: HoldRow[];
  trail: AuditEntry[];
  canListen: boolean;
  /** The evaluations of this call the viewer may open, and whether they may start one (issue 10). */
  evaluations: ReadonlyArray<{ id: string; evaluator: string; state: StateName; percent: number | null }>;
  canEvaluate: boolean;
  calibrations: ReadonlyArray<{ id: string; lead: string; state: 'open' | 'closed' }>;
  /** Form ids to choose from when there is more than the default one. */
  forms: readonly string[];
  /** For a training copy: the recording it was made from. */
  derivedFrom?: string | null;
  /** For a trainer on a quality recording: the copy section (bundle `training-copy`). */
  trainingCopy?: { copies: readonly string[]; retentionDays: number } | null;
}

export function recordingShowView(ctx: PageContext, m: RecordingShowModel): string {
  const { t } = ctx;
  const r = m.rec;
  const pauses = r.pauses.map((p) => `${durationText(p.startOffsetMs)}–${p.endOffsetMs === null ? durationText(r.durationMs) : durationText(p.endOffsetMs)} (${p.outcome})`);
  const body = html`
<section aria-labelledby="meta-h"><h2 id="meta-h">${t('show.metadata')}</h2>
<table id="recording-meta"><tbody>
<tr><th scope="row">${t('rec.started')}</th><td>${timeText(r.startedAt)}</td></tr>
<tr><th scope="row">${t('rec.duration')}</th><td>${durationText(r.durationMs)}</td></tr>
<tr><th scope="row">${t('rec.line')}</th><td>${r.line}</td></tr>
<tr><th scope="row">${t('rec.purpose')}</th><td>${r.purpose}</td></tr>
<tr><th scope="row">${t('rec.status')}</th><td>${r.status}</td></tr>
<tr><th scope="row">${t('show.decision')}</th><td>${r.decision}</td></tr>
<tr><th scope="row">${t('show.consent')}</th><td>${r.consent}</td></tr>
<tr><th scope="row">${t('show.channels')}</th><td>${r.channels === 2 ? 'caller, agent' : 'mixed'} · ${r.sampleRate} Hz</td></tr>
<tr><th scope="row">${t('show.retention')}</th><td>${timeText(r.retentionUntil)}</td></tr>
${m.derivedFrom != null ? html`<tr><th scope="row">${t('train.derivedFrom')}</th><td id="derived-from">${m.derivedFrom}</td></tr>` : null}
<tr><th scope="row">${t('show.pauses')}</th><td>${pauses.length === 0 ? '—' : pauses.join(', ')}</td></tr>
</tbody></table></section>
<section aria-labelledby="holds-h"><h2 id="holds-h">${t('show.holds')}</h2>
${m.holds.length === 0 ? html`<p>${t('show.noHolds')}</p>` : html`<ul id="holds">${m.holds.map((h) => html`<li>${h.reason} — ${t('show.placedBy', h.placedBy, timeText(h.placedAt))}${h.releasedAt !== null ? html`, ${t('show.released', timeText(h.releasedAt))}` : null}</li>`)}</ul>`}
</section>
<section aria-labelledby="player-h"><h2 id="player-h">${t('show.player')}</h2>
${m.canListen ? html`${playerSection(t, r, { meta: `/api/recordings/${r.id}/meta`, notes: `/api/recordings/${r.id}/notes` })}` : html`<p id="player-message" role="status">${t('show.noPlayer')}</p>`}
</section>
${m.trainingCopy != null ? trainingCopySection(ctx, r, m.trainingCopy.copies, m.trainingCopy.retentionDays) : null}
<section aria-labelledby="evals-h"><h2 id="evals-h">${t('eval.list')}</h2>
${m.evaluations.length === 0 ? html`<p>${t('eval.none')}</p>` : html`<ul id="recording-evaluations">${m.evaluations.map((e) => html`<li><a href="/evaluations/${e.id}">${e.evaluator}</a> — ${t(`eval.state.${e.state}`)}${e.percent !== null ? html` — ${(Math.round(e.percent * 10) / 10).toFixed(1)} %` : null}</li>`)}</ul>`}
${m.canEvaluate ? html`<form id="evaluation-start" method="post" action="/recordings/${r.id}/evaluations"><input type="hidden" name="_csrf" value="${ctx.csrf}">${m.forms.length > 1 ? html`<label for="evaluation-form-id">${t('eval.chooseForm')}</label> <select id="evaluation-form-id" name="form">${m.forms.map((f) => html`<option value="${f}"${f === 'default' ? html` selected` : null}>${f}</option>`)}</select> ` : null}<button type="submit">${t('eval.start')}</button></form>` : null}
</section>
${m.canEvaluate ? html`<section aria-labelledby="cals-h"><h2 id="cals-h">${t('cal.list')}</h2>
${m.calibrations.length === 0 ? null : html`<ul id="recording-calibrations">${m.calibrations.map((c) => html`<li><a href="/calibrations/${c.id}">${c.lead}</a> — ${t(`cal.state.${c.state}`)}</li>`)}</ul>`}
<form id="calibration-start" method="post" action="/recordings/${r.id}/calibrations"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">${t('cal.start')}</button></form>
</section>` : null}
<section aria-labelledby="trail-h"><h2 id="trail-h">${t('show.audit')}</h2>
${auditTable(t, m.trail, false)}
</section>`;
  const scripts = [...(m.canListen ? ['player'] as const : []), ...(m.trainingCopy != null ? ['training-copy'] as const : [])];
  return layout(ctx, t('show.title', r.id), body, scripts).text;
}
