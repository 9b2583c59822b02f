/** GET /login: the sign-in form (plain POST, CSRF token of the anonymous session). */
import { html } from '../html.js';
import { layout, type PageContext } from './layout.js';

export function loginView(ctx: PageContext, message: string | null, username = '', oidcLabel: string | null = null): string {
  const { t } = ctx;
  return layout(ctx, t('login.title'), html`
${message !== null ? html`<p class="message" role="alert" id="login-message">${message}</p>` : null}
<form method="post" action="/login" id="login-form">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<label for="username">${t('login.username')}</label>
<input id="username" name="username" autocomplete="username" required maxlength="64" value="${username}">
<label for="password">${t('login.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<p><button type="submit">${t('login.submit')}</button></p>
</form>
${oidcLabel !== null ? html`<p><a id="oidc-login" href="/login/oidc">${oidcLabel}</a></p>` : null}`).text;
}
