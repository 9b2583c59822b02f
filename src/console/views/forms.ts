/**
 * GET /quality/forms: the evaluation forms and their versions (each
 * downloadable as JSON), and the editor: the form's JSON in a text area,
 * checked whole on save (every problem listed, the text kept as typed), saved
 * by the versioning rules (a used version is never changed: the edit becomes
 * the next version).
 */
import { html } from '../html.js';
import type { FormSummary } from '../../index/quality-store.js';
import { layout, type PageContext } from './layout.js';
import { timeText } from './format.js';

export interface FormsModel {
  forms: readonly FormSummary[];
  /** The JSON in the editor: the latest version of the form asked for, or what was posted. */
  editing: string;
  /** A result line (saved as ...) or the problems of what was posted. */
  message: { kind: 'ok' | 'error'; text: string } | null;
}

export function formsView(ctx: PageContext, m: FormsModel): string {
  const { t } = ctx;
  const body = html`${m.message !== null ? html`<p id="forms-message" role="${m.message.kind === 'error' ? 'alert' : 'status'}">${m.message.text}</p>` : null}
<h2>${t('forms.versions')}</h2>
${m.forms.length === 0 ? html`<p>${t('forms.none')}</p>` : html`<table id="forms-list"><thead><tr><th scope="col">${t('forms.id')}</th><th scope="col">${t('forms.version')}</th><th scope="col">${t('forms.titleCol')}</th><th scope="col">${t('forms.use')}</th><th scope="col">${t('forms.by')}</th><th scope="col">JSON</th></tr></thead>
<tbody>${m.forms.flatMap((f) => f.versions.map((v) => html`<tr><td><a href="/quality/forms?edit=${f.id}">${f.id}</a></td><td>v${v.version}</td><td>${v.title[ctx.lang]}</td><td>${v.firstUsedAt === null ? t('forms.unused') : t('forms.usedSince', timeText(v.firstUsedAt))}</td><td>${v.createdBy}, ${timeText(v.createdAt)}</td><td><a href="/quality/forms/${f.id}/${v.version}" download>${f.id}-v${v.version}.json</a></td></tr>`))}</tbody></table>`}
<h2>${t('forms.editor')}</h2>
<p>${t('forms.editorHelp')}</p>
<form id="form-editor" method="post" action="/quality/forms">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<label for="form-json">${t('forms.json')}</label>
<textarea id="form-json" name="json" rows="30" cols="100" spellcheck="false" required>${m.editing}</textarea>
<p><button type="submit">${t('forms.save')}</button></p>
</form>`;
  return layout(ctx, t('forms.title'), body).text;
}
