/** GET /api/me/key (any signed-in user): the user's recipient and wrapped identity; 404 when none. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { notFound } from '../refusal.js';
import { getUserKey } from '../store/user-keys.js';

export const meKeyShow: RouteSpec = {
  method: 'GET', url: '/api/me/key', access: 'keys.own', kind: 'api', schema: {},
  async handler(app, req) {
    const key = getUserKey(app.index.db, viewerOf(req).username);
    if (key === null) throw notFound('key');
    return { recipient: key.recipient, wrapped: key.wrapped };
  },
};
