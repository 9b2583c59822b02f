/** GET /api/users/:username/recipient (admin): the public key a grant is wrapped to. */
import type { RouteSpec } from '../console-app.js';
import { Refusal, notFound } from '../refusal.js';
import { getUserKey } from '../store/user-keys.js';
import { getUser } from '../store/users.js';

export const userRecipient: RouteSpec = {
  method: 'GET', url: '/api/users/:username/recipient', access: 'users.manage', kind: 'api',
  schema: { params: { type: 'object', required: ['username'], properties: { username: { type: 'string', maxLength: 64 } } } },
  async handler(app, req) {
    const { username } = req.params as { username: string };
    if (getUser(app.index.db, username) === null) throw notFound('user');
    const key = getUserKey(app.index.db, username);
    if (key === null) throw new Refusal(409, 'CV_ERR_CONSOLE_NO_KEY', [username]);
    return { recipient: key.recipient };
  },
};
