/** Index test fixtures: a fresh index in a temp dir and a valid row. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingIndex, type NewRecording } from '../../../src/index/index.js';

export function tempIndex(): { index: RecordingIndex; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cv-index-'));
  const index = RecordingIndex.open(join(dir, 'index.sqlite'));
  return { index, dir, cleanup: () => { index.close(); rmSync(dir, { recursive: true, force: true }); } };
}

export function row(id: string, over: Partial<NewRecording> = {}): NewRecording {
  return {
    id, pbx: 'asterisk', callId: `call-${id}`, linkedId: `linked-${id}`, line: 'sales', purpose: 'quality',
    decision: 'sampled', consent: 'no-objection', language: 'fr', callerHash: 'c'.repeat(64), agentHash: 'a'.repeat(64),
    startedAt: '2026-11-28T15:04:05.000Z', endedAt: '2026-11-28T15:05:05.000Z', durationMs: 60_000, channels: 1,
    sampleRate: 8000, bitrateBps: 16000, sizeBytes: 1234, sha256: 'f'.repeat(64), recipients: ['age1example'],
    pauses: [{ startOffsetMs: 1000, endOffsetMs: 2000, outcome: 'muted' }], retentionUntil: '2027-05-30T15:05:05.000Z',
    file: `recordings/2026/11/28/${id}.opus.age`, archivedAt: '2026-11-28T15:06:00.000Z', ...over,
  };
}
