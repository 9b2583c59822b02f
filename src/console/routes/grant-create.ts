/**
 * POST /api/grants (admin, CSRF): stores a purpose identity that the admin's
 * browser wrapped to the user's recipient. `recipient` is the purpose's
 * public key (the browser derives it from the identity); when absent the
 * purpose's first configured recipient is recorded.
 */
import type { RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { PURPOSES, type Purpose } from '../../policy/purpose.js';
import { badRequest } from '../refusal.js';
import { storeGrant } from '../grant-service.js';
import { RECIPIENT_SCHEMA, isAgeFileBase64 } from './age-shapes.js';

export const grantCreate: RouteSpec = {
  method: 'POST', url: '/api/grants', access: 'users.manage', kind: 'api',
  schema: {
    body: {
      type: 'object', required: ['username', 'purpose', 'wrapped'],
      properties: {
        username: { type: 'string', minLength: 1, maxLength: 64 },
        purpose: { type: 'string', enum: [...PURPOSES] },
        wrapped: { type: 'string', minLength: 100, maxLength: 65536 },
        recipient: RECIPIENT_SCHEMA,
      },
    },
  },
  async handler(app, req, reply) {
    const b = req.body as { username: string; purpose: Purpose; wrapped: string; recipient?: string };
    if (!isAgeFileBase64(b.wrapped)) throw badRequest('wrapped is not a base64 age file');
    const purposeRecipient = b.recipient ?? app.config.archive.recipients[b.purpose]?.[0];
    if (purposeRecipient === undefined) throw badRequest(`purpose ${b.purpose} has no recipient in archive.recipients; send recipient`);
    storeGrant(app.index.db, { username: b.username, purpose: b.purpose, purposeRecipient, wrapped: b.wrapped, by: viewerOf(req).username }, app.now());
    return reply.code(201).send({ username: b.username, purpose: b.purpose, recipient: purposeRecipient });
  },
};
