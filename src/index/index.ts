/** The index's public surface: open it, write and query recordings, keep the audit chain. */
export { RecordingIndex, type OpenIndexOptions } from './recording-index.js';
export { MIGRATIONS, SCHEMA_VERSION, GENESIS_HASH, migrate, currentVersion, type Migration } from './migrations.js';
export { appendAudit, verifyAuditChain, listAudit, auditHash, canonicalJson } from './audit-log.js';
export { insertRecording, getRecording, listRecordings, countRecordings, isoUtc } from './recordings.js';
export type {
  RecordingRow, NewRecording, RecordingStatus, RecordingFilter, PauseRecord,
  AuditInput, AuditEntry, AuditVerdict,
} from './types.js';
export { RECORDING_STATUSES } from './types.js';
