/** GET /api/me/grants (any signed-in user): the purpose identities wrapped to the user's recipient. */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { grantsOf } from '../store/grants.js';

export const meGrants: RouteSpec = {
  method: 'GET', url: '/api/me/grants', access: 'keys.own', kind: 'api', schema: {},
  async handler(app, req) {
    return grantsOf(app.index.db, viewerOf(req).username).map((g) => ({ purpose: g.purpose, recipient: g.purposeRecipient, wrapped: g.wrapped }));
  },
};
