/** The frame of every page: language, CSRF meta, navigation by capability, the stylesheet, the bundle scripts with SRI. */
import { html, type Html } from '../html.js';
import type { Translate, MessageKey } from '../i18n.js';
import type { ConsoleUser, Language } from '../store/users.js';
import { can, type Capability } from '../roles.js';
import type { AssetManifest, BundleEntry } from '../assets.js';
import { STYLESHEET_FILE } from '../style.js';

export interface PageContext {
  t: Translate;
  lang: Language;
  viewer: ConsoleUser | null;
  csrf: string;
  manifest: AssetManifest | null;
  /** The request path with its query, for the language switch. */
  path: string;
}

const NAV: Array<{ href: string; key: MessageKey; cap: Capability }> = [
  { href: '/recordings', key: 'nav.recordings', cap: 'recordings.list' },
  { href: '/quality/queue', key: 'nav.queue', cap: 'evaluations.score' },
  { href: '/quality/forms', key: 'nav.forms', cap: 'forms.manage' },
  { href: '/status', key: 'nav.status', cap: 'status.read' },
  { href: '/audit', key: 'nav.audit', cap: 'audit.read' },
  { href: '/subjects', key: 'nav.subjects', cap: 'subjects.find' },
  { href: '/users', key: 'nav.users', cap: 'users.manage' },
  { href: '/grants', key: 'nav.grants', cap: 'users.manage' },
  { href: '/keys', key: 'nav.keys', cap: 'keys.own' },
  { href: '/me', key: 'nav.me', cap: 'me.read' },
  { href: '/quality', key: 'nav.quality', cap: 'quality.read' },
  { href: '/training', key: 'nav.training', cap: 'training.manage' },
  { href: '/learn', key: 'nav.learn', cap: 'training.learn' },
];

function switchLanguage(path: string, to: Language): string {
  const u = new URL(path, 'http://x');
  u.searchParams.set('lang', to);
  return u.pathname + u.search;
}

export function scriptTag(ctx: PageContext, entry: BundleEntry): Html | null {
  const a = ctx.manifest?.entries[entry];
  if (a === undefined) return null;
  return html`<script type="module" src="/assets/${a.file}" integrity="${a.integrity}" crossorigin="anonymous"></script>`;
}

export function layout(ctx: PageContext, title: string, body: Html, scripts: readonly BundleEntry[] = []): Html {
  const { t, viewer } = ctx;
  const other: Language = ctx.lang === 'fr' ? 'en' : 'fr';
  const worker = ctx.manifest?.entries['decrypt-worker'];
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrf}">
${worker !== undefined && scripts.length > 0 ? html`<meta name="decrypt-worker" content="/assets/${worker.file}">` : null}
<title>${title} · ${t('app.title')}</title>
<link rel="stylesheet" href="/assets/${STYLESHEET_FILE}">
${scripts.map((s) => scriptTag(ctx, s))}
</head>
<body>
<a class="skip" href="#main">${ctx.lang === 'fr' ? 'Aller au contenu' : 'Skip to content'}</a>
<header>
<strong>${t('app.title')}</strong>
${viewer !== null ? html`<nav aria-label="${ctx.lang === 'fr' ? 'Navigation principale' : 'Main'}"><ul>
${NAV.filter((n) => can(viewer.role, n.cap)).map((n) => html`<li><a href="${n.href}">${t(n.key)}</a></li>`)}
</ul></nav>
<span>${viewer.username} (${viewer.role})</span>
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">${t('nav.logout')}</button></form>` : null}
<a href="${switchLanguage(ctx.path, other)}" lang="${other}" hreflang="${other}">${t('nav.language')}</a>
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}
