/**
 * The one place a route gets a recording for a user: unknown, purged, being
 * purged and out-of-scope ids all give the same 404, so guessing ids tells
 * nothing (issue 9: "no recording reachable by guessing an id").
 */
import type { ConsoleApp } from '../console-app.js';
import { getOpsRecording, type OpsRecording } from '../../index/ops-rows.js';
import { notFound } from '../refusal.js';
import { inScope, scopeOf } from '../roles.js';
import type { ConsoleUser } from '../store/users.js';
import { RECORDING_ID } from '../../calls/recording-id.js';

export const recordingParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 40 } } } as const;

export function visibleRecording(app: ConsoleApp, viewer: ConsoleUser, id: string): OpsRecording {
  const rec = RECORDING_ID.test(id) ? getOpsRecording(app.index.db, id) : null;
  if (rec === null || rec.status === 'purged' || rec.purgeStartedAt !== null) throw notFound('recording');
  if (!inScope(scopeOf(viewer, app.console.teams), rec)) throw notFound('recording');
  return rec;
}
