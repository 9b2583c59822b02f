/**
 * GET /api/training/recipients and POST /api/recordings/:id/training-copy
 * (trainers, training.manage; the source in scope; grants for quality and
 * training). The trainer's browser fetched and decrypted the quality
 * recording (an audited listen), encrypted the plaintext to the training
 * recipients this route gives, and posts only that ciphertext. The server
 * checks what it can without a key (age-header.ts checkCopy), stores the
 * file durably where the archiver would, and indexes a recording of purpose
 * training derived from the source, kept by retention.training from now,
 * with the audit rows saying who made it from what (training-store.ts).
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleApp, RouteSpec } from '../console-app.js';
import { viewerOf } from '../console-app.js';
import { newRecordingId } from '../../calls/recording-id.js';
import { StorageLayout } from '../../archive/storage-layout.js';
import { ensurePrivateDir, removeIfPresent, writeFileDurable } from '../../archive/durable-fs.js';
import { derivedFrom, insertTrainingCopy } from '../../index/training-store.js';
import { agentsOf } from '../../index/recordings.js';
import type { RecordingSidecar } from '../../archive/recording-sidecar.js';
import { retentionDeadline } from '../../policy/retention.js';
import { checkCopy, parseAgeHeader, type CopyProblem } from '../age-header.js';
import { Refusal, notFound } from '../refusal.js';
import { hasGrant } from '../store/grants.js';
import { recordingParams, visibleRecording } from './recording-access.js';

/** A call of several hours at the archive's bitrate stays far below this. */
const MAX_COPY_BYTES = 256 * 1024 * 1024;

export function trainingRecipients(app: ConsoleApp): readonly string[] {
  return app.config.archive.recipients.training ?? [];
}

export const trainingRecipientsShow: RouteSpec = {
  method: 'GET', url: '/api/training/recipients', access: 'training.manage', kind: 'api', schema: {},
  async handler(app) {
    // Public keys only: what the browser encrypts the copy to.
    return { recipients: trainingRecipients(app) };
  },
};

const refused = (why: string) => new Refusal(409, 'CV_ERR_CONSOLE_TRAINING_COPY', [why]);

function problemText(p: CopyProblem): string {
  switch (p.problem) {
    case 'not-age': return 'the body is not an age file';
    case 'foreign-stanza': return `it can be opened by a ${p.type} stanza, not only by the training recipients`;
    case 'recipient-count': return `it is addressed to ${p.found} recipient(s), the training purpose has ${p.expected} (archive.recipients.training): it is addressed to other recipients`;
    case 'length': return `its payload is ${p.found} bytes where the recording's is ${p.expected}: it is not a copy of this recording`;
  }
}

/** Bytes of the source file after its age header: what a copy of the same plaintext must have too. */
async function payloadBytes(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const h = parseAgeHeader(head.subarray(0, bytesRead));
    if (h === null) throw new Error(`${path}: not an age file`);
    return (await fh.stat()).size - h.length;
  } finally {
    await fh.close();
  }
}

export const trainingCopyCreate: RouteSpec = {
  method: 'POST', url: '/api/recordings/:id/training-copy', access: 'training.manage', kind: 'api', bodyLimit: MAX_COPY_BYTES,
  schema: { params: recordingParams },
  async handler(app, req, reply) {
    const viewer = viewerOf(req);
    const source = visibleRecording(app, viewer, (req.params as { id: string }).id);
    if (source.purpose !== 'quality' || derivedFrom(app.index.db, source.id) !== null) throw refused(`recording ${source.id} is not a quality recording: only those are copied to training`);
    for (const purpose of ['quality', 'training'] as const) {
      if (!hasGrant(app.index.db, viewer.username, purpose)) throw new Refusal(403, 'CV_ERR_CONSOLE_NO_GRANT', [purpose, purpose]);
    }
    const recipients = trainingRecipients(app);
    if (recipients.length === 0) throw refused('archive.recipients.training is not configured');
    const body = req.body;
    if (!Buffer.isBuffer(body)) throw refused('send the ciphertext as application/octet-stream');
    const sourcePath = join(app.config.storage.dir, source.file);
    if ((await stat(sourcePath).catch(() => null)) === null) throw notFound('recording file');
    const problem = checkCopy(body, recipients.length, await payloadBytes(sourcePath));
    if (problem !== null) {
      app.audit(viewer.username, 'training.copy-refused', { problem: problem.problem }, source.id);
      throw refused(problemText(problem));
    }
    const now = app.now();
    const layout = new StorageLayout(app.config.storage.dir);
    const id = newRecordingId(now);
    const path = layout.recordingPath(id);
    const sha256 = createHash('sha256').update(body).digest('hex');
    // As the archiver does: the file, then its sidecar (version 3, so `reindex` can rebuild the row and `verify` finds it whole), then the row.
    const s = source;
    const sidecar: RecordingSidecar = {
      version: 3, id, pbx: s.pbx, callId: s.callId, linkedId: s.linkedId, line: s.line, purpose: 'training', decision: s.decision, consent: s.consent,
      language: s.language, callerHash: s.callerHash, agentHash: s.agentHash, startedAt: s.startedAt, endedAt: s.endedAt, durationMs: s.durationMs,
      channels: s.channels, sampleRate: s.sampleRate, bitrateBps: s.bitrateBps, sizeBytes: body.length, sha256, recipients: [...recipients], pauses: s.pauses,
      file: `${id}.opus.age`, archivedAt: now.toISOString(), team: s.team, agents: agentsOf(app.index.db, s.id), derivedFrom: s.id,
    };
    await ensurePrivateDir(layout.dirFor(id));
    await ensurePrivateDir(layout.tmpDir);
    try {
      await writeFileDurable(path, body, layout.tmpRecordingPath(id));
      await writeFileDurable(layout.sidecarPath(id), JSON.stringify(sidecar, null, 2) + '\n', join(layout.tmpDir, `${id}.json.tmp`));
      insertTrainingCopy(app.index.db, {
        source, id, file: layout.relative(path), sizeBytes: body.length, sha256, recipients,
        retentionUntil: retentionDeadline('training', now, app.config.retention), actor: viewer.username, now,
      });
    } catch (err) {
      // No row, no file: a copy the index does not know would outlive every retention.
      await removeIfPresent(layout.sidecarPath(id));
      await removeIfPresent(path);
      throw err;
    }
    return reply.code(201).send({ id, url: `/recordings/${id}`, retentionUntil: retentionDeadline('training', now, app.config.retention).toISOString() });
  },
};
