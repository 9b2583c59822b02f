/**
 * The one place a bundle entry writes what happened: an element with
 * role="status" (or role="alert" for failures, so screen readers announce
 * them at once). Pages name it; when a page lacks it the entry makes one
 * after its form, so a failure is never silent.
 */
export type Tone = 'info' | 'ok' | 'error';

export class PageStatus {
  readonly #el: HTMLElement;
  constructor(id: string, after: Element | null) {
    let el = document.getElementById(id);
    if (el === null) {
      el = document.createElement('p');
      el.id = id;
      el.setAttribute('role', 'status');
      (after ?? document.body).insertAdjacentElement(after === null ? 'beforeend' : 'afterend', el);
    }
    el.setAttribute('aria-live', 'polite');
    this.#el = el;
  }
  show(text: string, tone: Tone = 'info'): void {
    this.#el.textContent = text;
    this.#el.dataset.tone = tone;
    this.#el.classList.toggle('cv-error', tone === 'error');
    this.#el.classList.toggle('cv-ok', tone === 'ok');
    if (tone === 'error') this.#el.setAttribute('role', 'alert');
    else this.#el.setAttribute('role', 'status');
  }
  get text(): string {
    return this.#el.textContent ?? '';
  }
}
