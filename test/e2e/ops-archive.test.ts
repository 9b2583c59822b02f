/**
 * The ops commands on recordings archived for real (`callvault archive` on
 * sox-generated WAVs: Opus encoding, age encryption, sidecar, index row), so
 * that they are proven against the archive's own layout and hashing: the
 * subject is found from the caller ID as the PBX gave it, erasure and
 * proof-received leave nothing that `callvault verify` would call missing
 * or orphaned, and a held recording stays intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpsWorld } from '../support/ops-world.js';
import { metadata } from '../unit/archive/fixtures.js';
import { soxTone } from './archive-support.js';

test('archive for real, then find, hold, erase and proof-received; verify stays clean', async () => {
  const w = OpsWorld.create();
  try {
    const ids = ['20261128T100000Z-0a000001', '20261128T100500Z-0a000002', '20261128T101000Z-0a000003', '20261128T101500Z-0a000004'];
    const callers = ['0612345678', '+33612345678', '+33799999999', '0612345678'];
    const purposes = ['quality', 'quality', 'quality', 'contract'] as const;
    ids.forEach((id, i) => {
      soxTone(join(w.spool, `${id}.wav`), 8000, 1, [440]);
      const start = new Date(Date.parse('2026-11-28T10:00:00Z') + i * 300_000);
      writeFileSync(join(w.spool, `${id}.json`), JSON.stringify(metadata(id, {
        caller: callers[i]!, purpose: purposes[i]!, line: purposes[i] === 'contract' ? 'sales' : 'support',
        callId: `call-${i}`, linkedId: `link-${i}`, startedAt: start.toISOString(), endedAt: new Date(start.getTime() + 1000).toISOString(), pauses: [],
      })));
    });
    const archived = await w.cli('archive');
    assert.equal(archived.code, 0, archived.stdout + archived.stderr);
    const v0 = await w.cli('verify');
    assert.equal(v0.code, 0, v0.stdout + v0.stderr);

    const found = JSON.parse((await w.cli('subject', 'find', '06 12 34 56 78', '--json')).stdout);
    assert.deepEqual(found.recordings.map((r: { id: string }) => r.id), [ids[0], ids[1], ids[3]], 'found whatever form the PBX passed');

    assert.equal((await w.cli('hold', ids[1]!, '--reason', 'complaint 5')).code, 0);
    const erase = JSON.parse((await w.cli('subject', 'erase', '+33612345678', '--reason', 'DSAR 77', '--json')).stdout);
    assert.deepEqual(erase.erased, [ids[0], ids[3]]);
    assert.deepEqual(erase.keptUnderHold, [ids[1]]);
    assert.deepEqual(w.filesOf(ids[0]!), []);
    assert.equal(w.filesOf(ids[1]!).length, 2);

    const v = await w.cli('verify', '--json');
    assert.equal(v.code, 0, v.stdout);
    const report = JSON.parse(v.stdout);
    assert.deepEqual(report.issues, [], 'no missing or orphan file after erasure');
    assert.equal(report.audit.ok, true);

    const proof = await w.cli('proof-received', ids[3]!, '--reason', 'signed');
    assert.equal(proof.code, 0);
    assert.match(proof.stdout, /already purged/, 'erased before the proof arrived');
    // A tombstone keeps no call id: once purged, the call id names nothing.
    const byCall = await w.cli('proof-received', 'call-3', '--reason', 'signed');
    assert.equal(byCall.code, 1);
    assert.match(byCall.stderr, /no recording or call with id call-3/);
    assert.equal((await w.cli('audit', '--verify')).code, 0);
  } finally {
    w.cleanup();
  }
});
