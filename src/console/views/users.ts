/** GET /users (admin): who has which role, teams, purposes, key and grants. Changes go through the CLI. */
import { html } from '../html.js';
import type { ConsoleUser } from '../store/users.js';
import { layout, type PageContext } from './layout.js';

export function usersView(ctx: PageContext, users: readonly ConsoleUser[], withKey: ReadonlySet<string>, grants: ReadonlyMap<string, string[]>, teams: Readonly<Record<string, readonly string[]>>): string {
  const { t } = ctx;
  return layout(ctx, t('users.title'), html`<p>${t('users.cli')}</p>
<table id="users-table"><thead><tr><th scope="col">${t('login.username')}</th><th scope="col">${t('users.role')}</th><th scope="col">${t('users.teams')}</th><th scope="col">${t('users.purposes')}</th><th scope="col">${t('users.state')}</th><th scope="col">${t('users.key')}</th><th scope="col">${t('nav.grants')}</th></tr></thead>
<tbody>${users.map((u) => html`<tr><td>${u.username}</td><td>${u.role}</td><td>${u.teams.join(', ')}</td><td>${u.purposes.join(', ')}</td><td>${u.state}</td><td>${withKey.has(u.username) ? t('yes') : t('no')}</td><td>${(grants.get(u.username) ?? []).join(', ')}</td></tr>`)}</tbody></table>
<h2>${t('users.teams')}</h2>
<table id="teams-table"><tbody>${Object.entries(teams).map(([name, lines]) => html`<tr><th scope="row">${name}</th><td>${lines.join(', ')}</td></tr>`)}</tbody></table>`).text;
}
