/** The HTML page for a refusal or an error (the API answers JSON instead). */
import { html } from '../html.js';
import { layout, type PageContext } from './layout.js';

export function errorView(ctx: PageContext, message: string, hint: string | null): string {
  return layout(ctx, ctx.t('error.title'), html`<p class="message" role="alert">${message}</p>${hint !== null ? html`<p>${hint}</p>` : null}`).text;
}
