/**
 * Training pages (docs/quality.md, "Training"): the trainer's list of
 * playlists and copies, one playlist with its calls, assignments and each
 * new hire's progress, the new hire's assigned playlists, and one training
 * call with the player. The copy section on a quality recording's page.
 */
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import type { OpsRecording } from '../../index/ops-rows.js';
import type { Playlist, PlaylistItem, Progress } from '../../index/training-store.js';
import { layout, type PageContext } from './layout.js';
import { durationText, timeText } from './format.js';
import { playerSection } from './player-section.js';

const DONE_KEYS = ['created', 'added', 'assigned', 'moved', 'removed', 'unassigned', 'deleted'] as const;
type DoneKey = typeof DONE_KEYS[number];
const done = (ctx: PageContext, key: string | undefined): Html | null => {
  if (!DONE_KEYS.includes(key as DoneKey)) return null;
  return html`<p id="training-done" role="status">${ctx.t(`train.done.${key as DoneKey}` as const)}</p>`;
};

function copyLabel(r: { id: string; line: string; startedAt: string; durationMs: number }): string {
  return `${r.id} — ${r.line}, ${timeText(r.startedAt)}, ${durationText(r.durationMs)}`;
}

/** A one-button form posting to `action` (with the CSRF token and these hidden fields): the page works without script. */
function postButton(ctx: PageContext, action: string, label: string, fields: Readonly<Record<string, string>> = {}, id?: string): Html {
  return html`<form class="inline" method="post" action="${action}"${id === undefined ? null : html` id="${id}"`}><input type="hidden" name="_csrf" value="${ctx.csrf}">${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit">${label}</button></form>`;
}

export interface TrainingHomeModel {
  playlists: ReadonlyArray<Playlist & { items: number; assignees: number }>;
  copies: readonly OpsRecording[];
  done?: string;
}

export function trainingHomeView(ctx: PageContext, m: TrainingHomeModel): string {
  const { t } = ctx;
  const body = html`${done(ctx, m.done)}
<section aria-labelledby="pl-h"><h2 id="pl-h">${t('train.playlists')}</h2>
${m.playlists.length === 0 ? html`<p>${t('train.noPlaylists')}</p>` : html`<ul id="training-playlists">${m.playlists.map((p) => html`<li><a href="/training/playlists/${p.id}">${p.name}</a> — ${p.items} · ${t('train.assignees')} ${p.assignees}</li>`)}</ul>`}
<form id="playlist-create" method="post" action="/training/playlists"><input type="hidden" name="_csrf" value="${ctx.csrf}">
<label for="playlist-name">${t('train.name')}</label> <input id="playlist-name" name="name" required maxlength="200"> <button type="submit">${t('train.create')}</button></form>
</section>
<section aria-labelledby="copies-h"><h2 id="copies-h">${t('train.copies')}</h2>
${m.copies.length === 0 ? html`<p>${t('train.noCopies')}</p>` : html`<ul id="training-copies">${m.copies.map((c) => html`<li><a href="/recordings/${c.id}">${copyLabel(c)}</a></li>`)}</ul>`}
</section>`;
  return layout(ctx, t('train.title'), body).text;
}

export interface PlaylistModel {
  playlist: Playlist;
  items: readonly PlaylistItem[];
  assignees: readonly string[];
  progress: readonly Progress[];
  copies: readonly OpsRecording[];
  newHires: readonly string[];
  done?: string;
}

function progressCell(t: Translate, item: PlaylistItem, p: Progress | undefined): Html {
  if (p === undefined) return html`<td>${t('train.notStarted')}</td>`;
  if (p.completedAt !== null) return html`<td>${t('train.completed')}</td>`;
  return html`<td>${t('train.played', durationText(p.playedSeconds * 1000), durationText(item.durationMs))}</td>`;
}

export function playlistView(ctx: PageContext, m: PlaylistModel): string {
  const { t } = ctx;
  const pl = m.playlist;
  const of = (user: string, item: PlaylistItem) => m.progress.find((p) => p.username === user && p.itemId === item.id);
  const body = html`${done(ctx, m.done)}
<section aria-labelledby="items-h"><h2 id="items-h">${t('train.items')}</h2>
${m.items.length === 0 ? html`<p>${t('train.noItems')}</p>` : html`<ol id="playlist-items">${m.items.map((i, n) => html`<li><a href="/recordings/${i.recordingId}">${copyLabel({ id: i.recordingId, line: i.line, startedAt: i.startedAt, durationMs: i.durationMs })}</a>${i.note !== null ? html` — ${i.note}` : null}
${n === 0 ? null : postButton(ctx, `/training/playlists/${pl.id}/items/${i.id}/move`, t('train.up'), { direction: 'up' })}${n === m.items.length - 1 ? null : postButton(ctx, `/training/playlists/${pl.id}/items/${i.id}/move`, t('train.down'), { direction: 'down' })}${postButton(ctx, `/training/playlists/${pl.id}/items/${i.id}/remove`, t('train.remove'))}</li>`)}</ol>`}
${m.copies.length === 0 ? html`<p>${t('train.noCopies')}</p>` : html`<form id="playlist-add" method="post" action="/training/playlists/${pl.id}/items"><input type="hidden" name="_csrf" value="${ctx.csrf}">
<label for="item-copy">${t('train.copy')}</label> <select id="item-copy" name="recording">${m.copies.map((c) => html`<option value="${c.id}">${copyLabel(c)}</option>`)}</select>
<label for="item-note">${t('train.note')}</label> <input id="item-note" name="note" maxlength="2000">
<button type="submit">${t('train.add')}</button></form>`}
</section>
<section aria-labelledby="assign-h"><h2 id="assign-h">${t('train.assignees')}</h2>
${m.assignees.length === 0 ? html`<p>${t('train.noAssignees')}</p>` : html`<ul id="playlist-assignees">${m.assignees.map((a) => html`<li>${a} ${postButton(ctx, `/training/playlists/${pl.id}/assignments/remove`, t('train.unassign'), { username: a })}</li>`)}</ul>`}
${m.newHires.length === 0 ? null : html`<form id="playlist-assign" method="post" action="/training/playlists/${pl.id}/assignments"><input type="hidden" name="_csrf" value="${ctx.csrf}">
<label for="assign-user">${t('train.newHire')}</label> <select id="assign-user" name="username">${m.newHires.map((u) => html`<option value="${u}">${u}</option>`)}</select>
<button type="submit">${t('train.assign')}</button></form>`}
</section>
<section aria-labelledby="progress-h"><h2 id="progress-h">${t('train.progress')}</h2>
${m.assignees.length === 0 || m.items.length === 0 ? html`<p>—</p>` : html`<table id="playlist-progress"><thead><tr><th scope="col">${t('train.newHire')}</th>${m.items.map((_i, n) => html`<th scope="col">${n + 1}</th>`)}<th scope="col">${t('train.completed')}</th></tr></thead>
<tbody>${m.assignees.map((a) => html`<tr><th scope="row">${a}</th>${m.items.map((i) => progressCell(t, i, of(a, i)))}<td>${t('train.summary', m.items.filter((i) => of(a, i)?.completedAt != null).length, m.items.length)}</td></tr>`)}</tbody></table>`}
</section>
<section aria-labelledby="delete-h"><h2 id="delete-h">${t('train.deleteTitle')}</h2><p>${t('train.deleteHelp')}</p>
${postButton(ctx, `/training/playlists/${pl.id}/delete`, t('train.delete'), {}, 'playlist-delete')}</section>`;
  return layout(ctx, t('train.playlist', pl.name), body).text;
}

export interface LearnModel {
  playlists: ReadonlyArray<{ playlist: Playlist; items: readonly PlaylistItem[]; progress: readonly Progress[] }>;
  /** Why the calls cannot be played yet, if they cannot. */
  missing: 'key' | 'grant' | null;
}

function missingText(t: Translate, missing: LearnModel['missing']): Html | null {
  if (missing === null) return null;
  return html`<p id="learn-missing" role="status">${t(missing === 'key' ? 'learn.noKey' : 'learn.noGrant')}</p>`;
}

export function learnView(ctx: PageContext, m: LearnModel): string {
  const { t } = ctx;
  const body = html`${missingText(t, m.missing)}
${m.playlists.length === 0 ? html`<p>${t('learn.none')}</p>` : m.playlists.map((p) => html`<section class="learn-playlist" aria-labelledby="lp-${p.playlist.id}"><h2 id="lp-${p.playlist.id}">${p.playlist.name}</h2>
<p>${t('train.summary', p.items.filter((i) => p.progress.some((g) => g.itemId === i.id && g.completedAt !== null)).length, p.items.length)}</p>
<ol>${p.items.map((i, n) => {
    const g = p.progress.find((x) => x.itemId === i.id);
    return html`<li><a href="/learn/items/${i.id}">${t('learn.open')} ${n + 1}</a> — ${durationText(i.durationMs)} — ${g === undefined ? t('train.notStarted') : g.completedAt !== null ? t('train.completed') : t('train.played', durationText(g.playedSeconds * 1000), durationText(i.durationMs))}${i.note !== null ? html` — ${i.note}` : null}</li>`;
  })}</ol></section>`)}`;
  return layout(ctx, t('learn.title'), body).text;
}

export interface LearnItemModel {
  item: PlaylistItem;
  rec: OpsRecording;
  position: number;
  count: number;
  missing: LearnModel['missing'];
}

export function learnItemView(ctx: PageContext, m: LearnItemModel): string {
  const { t } = ctx;
  const body = html`<p><a href="/learn">${t('learn.back')}</a></p>
${m.item.note !== null ? html`<p id="learn-note"><strong>${t('learn.trainerNote')}</strong> : ${m.item.note}</p>` : null}
${missingText(t, m.missing)}
${m.missing === null ? playerSection(t, m.rec, { meta: `/api/learn/items/${m.item.id}/meta`, notes: null, audio: `/api/learn/items/${m.item.id}/audio`, progress: `/api/learn/items/${m.item.id}/progress` }) : null}`;
  return layout(ctx, t('learn.item', m.position, m.count), body, m.missing === null ? ['player'] : []).text;
}

/** On a quality recording's page, for a trainer: the copy button (bundle `training-copy`) and the copies made. */
export function trainingCopySection(ctx: PageContext, rec: OpsRecording, copies: readonly string[], retentionDays: number): Html {
  const { t } = ctx;
  return html`<section id="training-copy" aria-labelledby="tc-h" data-recording-id="${rec.id}" data-purpose="${rec.purpose}"><h2 id="tc-h">${t('train.copyTitle')}</h2>
<p>${t('train.copyHelp', retentionDays)}</p>
<label for="copy-passphrase">${t('show.unlock')}</label> <input id="copy-passphrase" type="password" autocomplete="off">
<p><button id="copy-button" type="button">${t('train.copyButton')}</button></p>
<p id="copy-message" role="status"></p>
${copies.length === 0 ? null : html`<h3>${t('train.copies.made')}</h3><ul id="training-copies-made">${copies.map((c) => html`<li><a href="/recordings/${c}">${c}</a></li>`)}</ul>`}
</section>`;
}
