/** Notes are personal data about a call: the purge that deletes a recording's row deletes its notes in the same transaction. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpsWorld } from '../../support/ops-world.js';
import { addNote, notesOf } from '../../../src/console/store/notes.js';
import { finishPurge } from '../../../src/index/retention-queries.js';

test('purging a recording deletes its console notes', () => {
  const w = OpsWorld.create();
  const index = w.open();
  try {
    const gone = w.add(index, { purpose: 'quality' });
    const kept = w.add(index, { purpose: 'quality' });
    for (const id of [gone, kept]) addNote(index.db, { recordingId: id, atMs: 1000, text: 'caller upset at 0:01', author: 'quinn' }, new Date());
    index.db.prepare("UPDATE recordings SET purge_started_at = ?, purge_reason = 'retention-expired' WHERE id = ?").run(new Date().toISOString(), gone);
    assert.equal(finishPurge(index.db, gone, { actor: 'purge', reason: 'retention', action: 'purge', now: new Date() }), true);
    assert.deepEqual(notesOf(index.db, gone), []);
    assert.equal(notesOf(index.db, kept).length, 1);
  } finally {
    index.close();
    w.cleanup();
  }
});
