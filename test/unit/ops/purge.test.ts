import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { OpsWorld } from '../../support/ops-world.js';
import { purgeDue, type PurgeContext } from '../../../src/ops/purge.js';
import { beginPurge, purgeCandidates, effectiveDeadline } from '../../../src/index/retention-queries.js';
import { placeHolds, releaseHolds } from '../../../src/index/hold-queries.js';
import { markProofReceived } from '../../../src/index/retention-queries.js';
import { getOpsRecording, getTombstone } from '../../../src/index/ops-rows.js';
import { isCallvaultError } from '../../../src/errors.js';
import type { RecordingIndex } from '../../../src/index/index.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-28T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

function ctx(w: OpsWorld, index: RecordingIndex, over: Partial<PurgeContext> = {}): PurgeContext {
  return { index, layout: w.layout, actor: 'tester', reason: 'unit test', now: () => NOW, ...over };
}

function counts(index: RecordingIndex): { recordings: number; tombstones: number; audit: number } {
  const n = (t: string) => (index.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { recordings: n('recordings'), tombstones: n('tombstones'), audit: n('audit') };
}

test('purge destroys what is due, keeps what is held or within retention, and leaves tombstones without personal data', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const expired = w.add(index, { purpose: 'quality', startedAt: ago(200) });
    const fresh = w.add(index, { purpose: 'quality', startedAt: ago(10) });
    const held = w.add(index, { purpose: 'quality', startedAt: ago(300) });
    const contract = w.add(index, { purpose: 'contract', startedAt: ago(30) });
    const regulatory = w.add(index, { purpose: 'regulatory', startedAt: ago(400) });
    placeHolds(index.db, [held], { actor: 'legal', reason: 'case 12', now: NOW, via: 'id' });
    markProofReceived(index.db, [contract], ago(1), { actor: 'sales', reason: 'signed' });
    const before = counts(index);

    const dry = await purgeDue(ctx(w, index), w.config.retention, { dryRun: true });
    assert.deepEqual(dry.purged.map((p) => p.id).sort(), [contract, expired].sort());
    assert.deepEqual(dry.held, [held]);
    assert.deepEqual(counts(index), before, 'a dry run changes nothing');
    assert.equal(w.filesOf(expired).length, 2);

    const r = await purgeDue(ctx(w, index), w.config.retention);
    assert.deepEqual(r.purged.map((p) => `${p.id}:${p.policy}`).sort(), [`${contract}:proof-received`, `${expired}:retention-expired`].sort());
    assert.deepEqual(r.held, [held]);
    assert.deepEqual(r.failed, []);
    for (const id of [expired, contract]) {
      assert.equal(getOpsRecording(index.db, id), null);
      assert.deepEqual(w.filesOf(id), [], `files of ${id} are gone`);
      const t = getTombstone(index.db, id)!;
      assert.equal(t.recordingId, id);
      assert.match(t.sha256!, /^[0-9a-f]{64}$/);
    }
    for (const id of [fresh, held, regulatory]) assert.equal(w.filesOf(id).length, 2, `${id} kept`);
    const columns = (index.db.prepare('PRAGMA table_info(tombstones)').all() as Array<{ name: string }>).map((c) => c.name);
    assert.deepEqual(columns, ['recording_id', 'purged_at', 'reason', 'sha256'], 'a tombstone holds no caller, agent or call id');
    const audit = index.listAudit().filter((a) => a.action === 'purge');
    assert.deepEqual(audit.map((a) => a.recordingId).sort(), [contract, expired].sort());
    assert.ok(audit.every((a) => a.actor === 'tester' && a.reason === 'unit test'));
    assert.ok(index.verifyAuditChain().ok);

    // Released, the held recording goes at the next purge; its released hold rows go with it.
    releaseHolds(index.db, [held], { actor: 'legal', reason: 'case closed', now: NOW, via: 'id' });
    const again = await purgeDue(ctx(w, index), w.config.retention);
    assert.deepEqual(again.purged.map((p) => p.id), [held]);
    assert.equal((index.db.prepare('SELECT COUNT(*) AS n FROM holds').get() as { n: number }).n, 0);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('a shortened retention in the config applies to recordings archived under the longer one', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    // Archived when analysis was kept 366 days; the config now says 183 (the fixture's default for quality is 183).
    const id = w.add(index, { purpose: 'analysis', startedAt: ago(200), retentionUntil: new Date(ago(200).getTime() + 366 * DAY) });
    const row = getOpsRecording(index.db, id)!;
    const shorter = { ...w.config.retention, analysis: 100 };
    assert.ok(effectiveDeadline(row, shorter).getTime() < new Date(row.retentionUntil).getTime());
    const keep = await purgeDue(ctx(w, index), w.config.retention, { dryRun: true });
    assert.deepEqual(keep.purged, []);
    const r = await purgeDue(ctx(w, index), shorter);
    assert.deepEqual(r.purged.map((p) => p.id), [id]);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('an interrupted purge (row marked, files gone) is finished by the next purge, and cannot be held meanwhile', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const id = w.add(index, { purpose: 'quality', startedAt: ago(200) });
    assert.ok(beginPurge(index.db, id, 'retention-expired', NOW));
    unlinkSync(w.layout.sidecarPath(id)); // the crash happened between the two deletions
    assert.throws(() => placeHolds(index.db, [id], { actor: 'legal', reason: 'too late', now: NOW, via: 'id' }), (e: unknown) => isCallvaultError(e, 'CV_ERR_OPS_PURGING'));
    assert.equal(purgeCandidates(index.db, NOW, w.config.retention)[0]?.purgeStartedAt, NOW.toISOString());
    const r = await purgeDue(ctx(w, index), w.config.retention);
    assert.equal(r.resumed, 1);
    assert.deepEqual(r.purged.map((p) => p.id), [id]);
    assert.deepEqual(w.filesOf(id), []);
    assert.equal(getTombstone(index.db, id)?.reason, 'retention-expired');
  } finally {
    index.close();
    w.cleanup();
  }
});

test('a file that cannot be deleted fails that recording only; it stays marked and the next purge finishes it', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const stuck = w.add(index, { purpose: 'quality', startedAt: ago(201) });
    const other = w.add(index, { purpose: 'quality', startedAt: ago(200) });
    const path = w.layout.recordingPath(stuck);
    // A non-empty directory where the file should be: unlink fails (EISDIR/EPERM) even for root.
    unlinkSync(path);
    mkdirSync(path);
    writeFileSync(`${path}/x`, 'x');
    const r = await purgeDue(ctx(w, index), w.config.retention);
    assert.deepEqual(r.purged.map((p) => p.id), [other]);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]!.id, stuck);
    assert.equal(r.failed[0]!.code, 'CV_ERR_OPS_PURGE_FILE');
    assert.notEqual(getOpsRecording(index.db, stuck)?.purgeStartedAt, null, 'left marked, never unmarked with its files half gone');
    assert.equal(getTombstone(index.db, stuck), null);
    rmSync(path, { recursive: true });
    const again = await purgeDue(ctx(w, index), w.config.retention);
    assert.deepEqual(again.purged.map((p) => p.id), [stuck]);
    assert.equal(again.resumed, 1);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('empty day folders are removed with their last recording, others stay', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const a = w.add(index, { purpose: 'quality', startedAt: ago(200) });
    const b = w.add(index, { purpose: 'quality', startedAt: ago(10) });
    await purgeDue(ctx(w, index), w.config.retention);
    assert.equal(existsSync(w.layout.dirFor(a)), false);
    assert.equal(existsSync(w.layout.dirFor(b)), true);
    assert.equal(existsSync(w.layout.recordingsDir), true);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('an aborted purge stops between recordings and what it did stays done', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const ids = [0, 1, 2, 3].map((i) => w.add(index, { purpose: 'quality', startedAt: ago(200 + i) }));
    const abort = new AbortController();
    const r = await purgeDue(ctx(w, index, { signal: abort.signal, onProgress: (done) => { if (done === 2) abort.abort(); } }), w.config.retention);
    assert.equal(r.aborted, true);
    assert.equal(r.purged.length, 2);
    assert.equal(counts(index).recordings, 2);
    assert.equal(counts(index).tombstones, 2);
    for (const id of ids) assert.equal(w.filesOf(id).length === 0, getTombstone(index.db, id) !== null, `files and tombstone agree for ${id}`);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('a hold placed after the candidates were read wins: the recording is kept and reported held', async () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const id = w.add(index, { purpose: 'quality', startedAt: ago(200) });
    let placed = false;
    // The hold lands while the purge is between reading candidates and marking: simulate it on the first progress of an earlier recording.
    const first = w.add(index, { purpose: 'quality', startedAt: ago(201) });
    const r = await purgeDue(ctx(w, index, {
      onProgress: () => { if (!placed) { placed = true; placeHolds(index.db, [id], { actor: 'legal', reason: 'late case', now: NOW, via: 'id' }); } },
    }), w.config.retention);
    assert.deepEqual(r.purged.map((p) => p.id), [first]);
    assert.deepEqual(r.held, [id]);
    assert.equal(w.filesOf(id).length, 2);
  } finally {
    index.close();
    w.cleanup();
  }
});

test('the daily purge deletes evaluations past their year independently of the audio, keeps those of a held recording', async () => {
  const { saveForm, createEvaluation, evaluationState } = await import('../../../src/index/quality-store.js');
  const { DEFAULT_FORM } = await import('../../../src/quality/default-form.js');
  const w = OpsWorld.create();
  const index = w.open();
  try {
    // Audio 200 days old (past its 6 months), evaluated 190 days ago: the audio goes, the evaluation stays.
    const audioGone = w.add(index, { purpose: 'quality', startedAt: ago(200) });
    const old = w.add(index, { purpose: 'regulatory', startedAt: ago(400) });
    const held = w.add(index, { purpose: 'regulatory', startedAt: ago(400) });
    saveForm(index.db, DEFAULT_FORM, 'lead', ago(400));
    const form = { id: 'default', version: 1 };
    createEvaluation(index.db, { id: 'recent', recordingId: audioGone, form, evaluator: 'eve', now: ago(190) });
    createEvaluation(index.db, { id: 'expired', recordingId: old, form, evaluator: 'eve', now: ago(367) });
    createEvaluation(index.db, { id: 'held', recordingId: held, form, evaluator: 'eve', now: ago(367) });
    placeHolds(index.db, [held], { actor: 'legal', reason: 'case 13', now: NOW, via: 'id' });

    const dry = await purgeDue(ctx(w, index), w.config.retention, { dryRun: true });
    assert.equal(dry.evaluationsPurged, 1);
    assert.notEqual(evaluationState(index.db, 'expired'), null, 'a dry run changes nothing');

    const r = await purgeDue(ctx(w, index), w.config.retention);
    assert.deepEqual(r.purged.map((p) => p.id), [audioGone]);
    assert.equal(r.evaluationsPurged, 1);
    assert.equal(evaluationState(index.db, 'expired'), null);
    assert.equal(evaluationState(index.db, 'recent')!.state, 'draft', 'the evaluation outlives its audio');
    assert.equal(evaluationState(index.db, 'held')!.state, 'draft', 'a hold on the recording keeps its evaluations');
  } finally {
    index.close();
    w.cleanup();
  }
});
