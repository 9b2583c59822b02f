/**
 * Entry `player` (GET /recordings/:id). On play: unlock the personal key with
 * the passphrase (kept in this module's memory only), fetch the ciphertext
 * with the access reason (the server checks the grant and writes the audit
 * row), unwrap the purpose identity from the user's grant, and decrypt the
 * age stream in the `decrypt-worker`; the Ogg Opus plaintext goes to the
 * `<audio>` element as a blob: URL and never leaves the tab. Then the
 * waveform (two lanes in stereo), payment pauses, notes, speed, jumps and
 * keyboard shortcuts. The section gets `cv:playing` and `cv:decoded` events
 * (timings; the decoded AudioBuffer) so tests and the bench can observe the
 * page as a user would hear it.
 */
import { passkeysAvailable, unwrapGrant, unwrapPersonalKey, unwrapWithPasskey } from './age-keys.js';
import { ApiError, getJson, postJson, request, type MyGrant, type MyKey, type Note, type RecordingMeta } from './api.js';
import type { DecryptReply, DecryptRequest } from './decrypt-messages.js';
import { failureSentence } from './key-messages.js';
import { PageStatus } from './page-status.js';
import { installStyles } from './styles.js';
import { strings, type Strings } from './strings.js';
import { clock } from './time-format.js';
import { Waveform, decodeAudio, peaksOf } from './waveform.js';

declare const __CV_WORKER_FILE__: string;

const JUMP_S = 5;
const SPEEDS = [0.75, 1, 1.25, 1.5, 2];
const DEFAULT_REASON = 'quality review';

/** Where a player is: each state holds what it needs, so "loaded without audio" cannot exist. */
type PlayerState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'loaded'; url: string }
  | { kind: 'failed' };

function el<T extends HTMLElement>(tag: string, props: Partial<T> = {}, ...children: Array<Node | string>): T {
  const e = document.createElement(tag) as T;
  Object.assign(e, props);
  e.append(...children);
  return e;
}

function must<T extends Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (found === null) throw new Error(`player: ${selector} missing from the page`);
  return found;
}

class Player {
  readonly #t: Strings;
  readonly #section: HTMLElement;
  readonly #audio: HTMLAudioElement;
  readonly #play: HTMLButtonElement;
  readonly #pass: HTMLInputElement;
  readonly #reason: HTMLInputElement;
  readonly #status: PageStatus;
  readonly #controls: HTMLDivElement;
  readonly #time: HTMLSpanElement;
  readonly #speed: HTMLSelectElement;
  readonly #lanes: HTMLDivElement;
  readonly #wave: HTMLDivElement;
  readonly #noteInput: HTMLInputElement;
  readonly #noteList: HTMLOListElement;
  readonly #pauseList: HTMLUListElement;
  #state: PlayerState = { kind: 'idle' };
  /** The unlocked personal identity: in this tab's memory only, never in storage. */
  #personal: string | null = null;
  #meta: RecordingMeta | null = null;
  #waveform: Waveform | null = null;
  #notes: Note[] = [];

  constructor(section: HTMLElement, t: Strings) {
    this.#t = t;
    this.#section = section;
    this.#audio = must(section, '#audio');
    this.#play = must(section, '#play-button');
    this.#pass = must(section, '#unlock-passphrase');
    this.#reason = must(section, '#access-reason');
    this.#status = new PageStatus('player-message', this.#play);
    if (this.#reason.value.trim() === '') this.#reason.value = DEFAULT_REASON;
    this.#audio.preload = 'auto';
    this.#audio.controls = true;

    const back = el<HTMLButtonElement>('button', { type: 'button', textContent: t.back5, disabled: true });
    const forward = el<HTMLButtonElement>('button', { type: 'button', textContent: t.forward5, disabled: true });
    back.addEventListener('click', () => this.jump(-JUMP_S));
    forward.addEventListener('click', () => this.jump(JUMP_S));
    this.#speed = el<HTMLSelectElement>('select', { id: 'player-speed', disabled: true });
    for (const s of SPEEDS) this.#speed.append(el<HTMLOptionElement>('option', { value: String(s), textContent: `${s}×`, selected: s === 1 }));
    this.#speed.addEventListener('change', () => { this.#audio.playbackRate = Number(this.#speed.value); });
    const speedLabel = el<HTMLLabelElement>('label', { htmlFor: 'player-speed', textContent: `${t.speed} ` });
    this.#time = el<HTMLSpanElement>('span', { className: 'cv-time' });
    this.#time.setAttribute('aria-live', 'off');
    this.#controls = el<HTMLDivElement>('div', { className: 'cv-controls' }, back, forward, speedLabel, this.#speed, this.#time);
    this.#controls.setAttribute('role', 'group');
    this.#controls.setAttribute('aria-label', t.play);

    this.#wave = el<HTMLDivElement>('div', { className: 'cv-wave', id: 'waveform' });
    this.#lanes = el<HTMLDivElement>('div', { className: 'cv-lanes', hidden: true }, el('div', { className: 'cv-lane-labels' }), this.#wave);
    this.#pauseList = el<HTMLUListElement>('ul', { id: 'player-pauses' });
    const legend = el<HTMLDivElement>('div', { className: 'cv-legend' },
      el('span', {}, el('span', { className: 'cv-swatch cv-swatch-card' }), t.cardData),
      el('span', {}, el('span', { className: 'cv-swatch cv-swatch-note' }), t.notes));

    this.#noteInput = el<HTMLInputElement>('input', { id: 'note-text', type: 'text', maxLength: 2000, disabled: true });
    const noteButton = el<HTMLButtonElement>('button', { type: 'submit', textContent: t.addNote, disabled: true });
    const noteForm = el<HTMLFormElement>('form', { className: 'cv-note-form', id: 'note-form' },
      el<HTMLLabelElement>('label', { htmlFor: 'note-text', textContent: t.noteLabel }), this.#noteInput, noteButton);
    noteForm.addEventListener('submit', (ev) => { ev.preventDefault(); void this.addNote(); });
    this.#noteList = el<HTMLOListElement>('ol', { id: 'note-list' });
    const notes = el<HTMLElement>('section', { className: 'cv-notes' }, el('h3', { textContent: t.notes }), noteForm, this.#noteList);
    notes.setAttribute('aria-label', t.notes);

    const dl = el<HTMLDListElement>('dl');
    for (const [k, v] of t.shortcutList) dl.append(el('dt', { textContent: k }), el('dd', { textContent: v }));
    const help = el<HTMLElement>('section', { className: 'cv-shortcuts', id: 'player-shortcuts' }, el('h3', { textContent: t.shortcuts }), dl);

    this.#audio.insertAdjacentElement('afterend', this.#controls);
    this.#controls.after(this.#lanes, legend, this.#pauseList, notes, help);
    // A calibration is scored blind: no notes there, neither shown nor written (data-notes="off").
    if (this.#section.dataset.notes === 'off') notes.hidden = true;
    this.#enable = () => { for (const c of [back, forward, this.#speed, this.#noteInput, noteButton]) c.disabled = false; };

    this.#play.addEventListener('click', () => void this.onPlay());
    this.#pass.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); void this.unlock(); } });
    this.#audio.addEventListener('timeupdate', () => this.showTime());
    this.#audio.addEventListener('play', () => { this.#play.textContent = t.pause; });
    this.#audio.addEventListener('pause', () => { this.#play.textContent = t.play; });
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    void this.loadMeta();
    void this.offerPasskey();
  }

  readonly #enable: () => void;

  async loadMeta(): Promise<void> {
    try {
      this.#meta = await getJson<RecordingMeta>(this.#section.dataset.metaUrl!);
      this.#notes = [...this.#meta.notes];
      this.renderNotes();
      this.renderPauses();
    } catch (err) {
      this.#status.show(failureSentence(this.#t, err), 'error');
    }
  }

  /** Unwraps the personal key with the passphrase typed; true when it is in memory. */
  async unlock(): Promise<boolean> {
    if (this.#personal !== null) return true;
    const pass = this.#pass.value;
    if (pass === '') {
      this.#status.show(this.#t.unlockFirst, 'error');
      this.#pass.focus();
      return false;
    }
    return this.unlockWith('passphrase', (data) => unwrapPersonalKey(data, pass));
  }

  async unlockWith(kind: 'passphrase' | 'passkey', open: (data: string) => Promise<string>): Promise<boolean> {
    this.#status.show(this.#t.keyUnlocking);
    try {
      const wrapped = (await this.myKey()).wrapped.find((w) => w.kind === kind);
      if (wrapped === undefined) throw new Error(this.#t.noKeyYet);
      this.#personal = await open(wrapped.data);
      this.#pass.value = '';
      this.#status.show(this.#t.keyUnlocked, 'ok');
      performance.mark('cv-unlocked');
      return true;
    } catch (err) {
      this.#status.show(failureSentence(this.#t, err), 'error');
      if (kind === 'passphrase') this.#pass.select();
      return false;
    }
  }

  async myKey(): Promise<MyKey> {
    try {
      return await getJson<MyKey>('/api/me/key');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new Error(this.#t.noKeyYet, { cause: err });
      throw err;
    }
  }

  /** Offers "unlock with a passkey" when the stored key has a passkey wrap and the browser has WebAuthn. */
  async offerPasskey(): Promise<void> {
    if (!passkeysAvailable()) return;
    const mine = await this.myKey().catch(() => null);
    if (mine === null || !mine.wrapped.some((w) => w.kind === 'passkey')) return;
    const b = el<HTMLButtonElement>('button', { type: 'button', id: 'unlock-passkey', textContent: this.#t.passkeyUnlock });
    b.addEventListener('click', () => void this.unlockWith('passkey', unwrapWithPasskey));
    this.#pass.after(' ', b);
  }

  async onPlay(): Promise<void> {
    switch (this.#state.kind) {
      case 'loaded':
        if (this.#audio.paused) await this.#audio.play();
        else this.#audio.pause();
        return;
      case 'loading':
        return;
      case 'idle':
      case 'failed':
        performance.clearMarks();
        performance.mark('cv-play-click');
        if (!(await this.unlock())) return;
        this.#state = { kind: 'loading' };
        this.#play.disabled = true;
        try {
          await this.load();
        } catch (err) {
          this.#state = { kind: 'failed' };
          this.#status.show(failureSentence(this.#t, err), 'error');
        } finally {
          this.#play.disabled = false;
        }
    }
  }

  async load(): Promise<void> {
    const t = this.#t;
    const meta = this.#meta ?? (this.#meta = await getJson<RecordingMeta>(this.#section.dataset.metaUrl!));
    // Before the fetch: a browser that cannot play the file should not leave an access in the audit.
    if (this.#audio.canPlayType('audio/ogg; codecs=opus') === '') throw new Error(t.cannotPlay);
    const reason = this.#reason.value.trim() === '' ? DEFAULT_REASON : this.#reason.value.trim();
    this.#status.show(t.fetching);
    // The ciphertext first: the server decides (grant, role, scope) and audits the access.
    const url = `${this.#section.dataset.audioUrl!}?reason=${encodeURIComponent(reason)}`;
    const res = await request(url);
    if (res.body === null) throw new Error(t.damaged);
    const grants = await getJson<MyGrant[]>('/api/me/grants');
    const grant = grants.find((g) => g.purpose === meta.purpose);
    if (grant === undefined) {
      await res.body.cancel();
      throw new Error(t.noGrant(meta.purpose));
    }
    const identities = await unwrapGrant(grant.wrapped, this.#personal!);
    this.#status.show(t.decrypting);
    performance.mark('cv-fetched');
    const reply = await this.decryptInWorker({ type: 'decrypt', cipher: res.body, identities });
    performance.mark('cv-decrypted');
    const blobUrl = URL.createObjectURL(reply.audio);
    this.#state = { kind: 'loaded', url: blobUrl };
    this.#audio.src = blobUrl;
    this.#audio.playbackRate = Number(this.#speed.value);
    this.#audio.addEventListener('playing', () => {
      performance.mark('cv-first-audio');
      this.#section.dispatchEvent(new CustomEvent('cv:playing', { detail: this.timings(reply) }));
    }, { once: true });
    await this.#audio.play();
    this.#enable();
    if (this.#section.dataset.progressUrl !== undefined) this.trackProgress(this.#section.dataset.progressUrl);
    this.#status.show(t.ready, 'ok');
    void this.drawWaveform(reply.audio, meta);
  }

  /**
   * A training item (data-progress-url): adds up the seconds actually played
   * (media time advancing while playing; a seek is not listening) and
   * reports them every few seconds, on pause and at the end. The page shows
   * the server's answer in data-progress ("completed" from 90 % on).
   */
  trackProgress(url: string): void {
    let played = 0;
    let last = this.#audio.currentTime;
    let reported = 0;
    const report = () => {
      if (played <= reported) return;
      reported = played;
      void postJson<{ completed: boolean }>(url, { playedSeconds: played }).then((r) => {
        this.#section.dataset.progress = r?.completed === true ? 'completed' : 'started';
      }, (err: unknown) => this.#status.show(failureSentence(this.#t, err), 'error'));
    };
    this.#audio.addEventListener('timeupdate', () => {
      const now = this.#audio.currentTime;
      const step = now - last;
      last = now;
      if (!this.#audio.paused && step > 0 && step < 1.5 * Math.max(1, this.#audio.playbackRate)) played += step;
      if (played - reported >= 5) report();
    });
    this.#audio.addEventListener('seeked', () => { last = this.#audio.currentTime; });
    this.#audio.addEventListener('pause', report);
    this.#audio.addEventListener('ended', () => {
      // The last timeupdate may come before the very end: count up to it.
      const d = Number.isFinite(this.#audio.duration) ? this.#audio.duration : last;
      if (d > last) played += d - last;
      last = d;
      report();
    });
  }

  timings(reply: Extract<DecryptReply, { type: 'done' }>): Record<string, number> {
    const at = (name: string) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? NaN;
    const click = at('cv-play-click');
    return {
      fetchMs: at('cv-fetched') - click,
      decryptMs: reply.ms,
      plainBytes: reply.plainBytes,
      clickToAudioMs: at('cv-first-audio') - click,
    };
  }

  decryptInWorker(req: DecryptRequest): Promise<Extract<DecryptReply, { type: 'done' }>> {
    const worker = new Worker(new URL(__CV_WORKER_FILE__, import.meta.url), { type: 'module' });
    return new Promise((resolve, reject) => {
      worker.addEventListener('message', (ev: MessageEvent<DecryptReply>) => {
        const m = ev.data;
        if (m.type === 'progress') return;
        worker.terminate();
        if (m.type === 'done') resolve(m);
        else reject(new Error(this.#t.damaged, { cause: m.detail }));
      });
      worker.addEventListener('error', (ev) => { worker.terminate(); reject(new Error(this.#t.damaged, { cause: ev.message })); });
      worker.postMessage(req, [req.cipher as unknown as Transferable]);
    });
  }

  async drawWaveform(audio: Blob, meta: RecordingMeta): Promise<void> {
    const t = this.#t;
    const buffer = await decodeAudio(await audio.arrayBuffer(), meta.channels);
    this.#section.dispatchEvent(new CustomEvent('cv:decoded', { detail: { buffer } }));
    const labels = this.#lanes.querySelector('.cv-lane-labels')!;
    labels.replaceChildren(...(buffer.numberOfChannels === 2 ? [t.laneCaller, t.laneAgent] : [t.laneMixed]).map((s) => el('span', { textContent: s })));
    this.#lanes.hidden = false;
    const duration = Number.isFinite(this.#audio.duration) ? this.#audio.duration : buffer.duration;
    this.#waveform = new Waveform(this.#wave, this.#audio, peaksOf(buffer), duration, t.waveform);
    for (const p of meta.pauses) this.#waveform.addPause(p, t.cardData);
    for (const n of this.#notes) this.#waveform.addNote(n);
    this.#section.dataset.waveform = 'drawn';
    // What the waveform holds (card-data pauses and notes), readable by tests and by anyone inspecting the page.
    this.#section.dataset.regions = String(this.#waveform.regionCount);
  }

  renderPauses(): void {
    const meta = this.#meta!;
    this.#pauseList.replaceChildren(...meta.pauses.map((p) =>
      el('li', { textContent: `${clock(p.startMs / 1000)}–${clock((p.endMs ?? meta.durationMs) / 1000)} : ${this.#t.cardData}` })));
  }

  renderNotes(): void {
    this.#noteList.replaceChildren(...[...this.#notes].sort((a, b) => a.atMs - b.atMs).map((n) => {
      const seek = el<HTMLButtonElement>('button', { type: 'button', textContent: clock(n.atMs / 1000) });
      seek.addEventListener('click', () => { if (this.#state.kind === 'loaded') this.#audio.currentTime = n.atMs / 1000; });
      return el('li', {}, seek, `${n.text} — ${n.author}`);
    }));
  }

  async addNote(): Promise<void> {
    const text = this.#noteInput.value.trim();
    if (text === '') return this.#status.show(this.#t.noteEmpty, 'error');
    const atMs = Math.round(this.#audio.currentTime * 1000);
    try {
      const notesUrl = this.#section.dataset.notesUrl ?? `/api/recordings/${encodeURIComponent(this.#section.dataset.recordingId!)}/notes`;
      // On an evaluation page a note can be about one question (the page's #note-question select).
      const question = document.getElementById('note-question') as HTMLSelectElement | null;
      const saved = await postJson<Partial<Note>>(notesUrl, { atMs, text, ...(question !== null && question.value !== '' ? { questionId: question.value } : {}) });
      const note: Note = { id: saved?.id ?? '', atMs: saved?.atMs ?? atMs, text: saved?.text ?? text, author: saved?.author ?? '', createdAt: saved?.createdAt ?? new Date().toISOString() };
      this.#notes.push(note);
      this.#waveform?.addNote(note);
      if (this.#waveform !== null) this.#section.dataset.regions = String(this.#waveform.regionCount);
      this.renderNotes();
      this.#noteInput.value = '';
      this.#status.show(this.#t.noteAdded, 'ok');
    } catch (err) {
      this.#status.show(failureSentence(this.#t, err), 'error');
    }
  }

  jump(seconds: number): void {
    if (this.#state.kind !== 'loaded') return;
    const d = Number.isFinite(this.#audio.duration) ? this.#audio.duration : Infinity;
    this.#audio.currentTime = Math.min(d, Math.max(0, this.#audio.currentTime + seconds));
    this.showTime();
  }

  showTime(): void {
    const d = Number.isFinite(this.#audio.duration) ? this.#audio.duration : (this.#meta?.durationMs ?? 0) / 1000;
    this.#time.textContent = `${clock(this.#audio.currentTime)} / ${clock(d)}`;
  }

  onKey(ev: KeyboardEvent): void {
    if (this.#state.kind !== 'loaded' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const target = ev.target as HTMLElement | null;
    // Typing in a field, or space on a focused button (the button's own click), is not a shortcut.
    if (target !== null && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    if (target?.tagName === 'BUTTON' && (ev.key === ' ' || ev.key === 'Enter')) return;
    if (target?.isContentEditable === true) return;
    const i = SPEEDS.indexOf(Number(this.#speed.value));
    switch (ev.key) {
      case ' ': void this.onPlay(); break;
      case 'ArrowLeft': this.jump(-JUMP_S); break;
      case 'ArrowRight': this.jump(JUMP_S); break;
      case 'ArrowUp': this.setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, i + 1)]!); break;
      case 'ArrowDown': this.setSpeed(SPEEDS[Math.max(0, i - 1)]!); break;
      case 'n': case 'N': this.#noteInput.focus(); break;
      default: return;
    }
    ev.preventDefault();
  }

  setSpeed(s: number): void {
    this.#speed.value = String(s);
    this.#audio.playbackRate = s;
  }
}

installStyles();
const section = document.querySelector<HTMLElement>('section#player');
if (section !== null) new Player(section, strings());
