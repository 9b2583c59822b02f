/**
 * The player's markup (the `player` bundle builds the controls, waveform and
 * notes inside it). Shared by the recording page and the evaluation page:
 * the same player, with the evaluation's own meta and notes URLs there, so a
 * reviewer scores while listening and each note lands on the waveform.
 */
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import type { OpsRecording } from '../../index/ops-rows.js';

/** `notes: null`: a player without notes (a blind calibration). */
export interface PlayerUrls {
  meta: string;
  notes: string | null;
  /** Default /api/recordings/:id/audio; a new hire's training item has its own. */
  audio?: string;
  /** Where the player reports how much was played (training items). */
  progress?: string;
}

export function playerSection(t: Translate, r: OpsRecording, urls: PlayerUrls, extra: Html | null = null): Html {
  return html`<section id="player" data-recording-id="${r.id}" data-audio-url="${urls.audio ?? `/api/recordings/${r.id}/audio`}" data-meta-url="${urls.meta}"${urls.progress !== undefined ? html` data-progress-url="${urls.progress}"` : null} ${urls.notes === null ? html`data-notes="off"` : html`data-notes-url="${urls.notes}"`} data-duration-ms="${r.durationMs}" data-channels="${r.channels}">
<label for="unlock-passphrase">${t('show.unlock')}</label>
<input id="unlock-passphrase" type="password" autocomplete="off">
<label for="access-reason">${t('show.reason')}</label>
<input id="access-reason" value="${t('show.reasonDefault')}" maxlength="500">
${extra}
<p><button id="play-button" type="button">${t('show.play')}</button></p>
<p id="player-message" role="status"></p>
<audio id="audio" controls></audio>
</section>`;
}
