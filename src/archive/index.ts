/** The archive's public surface: what the daemon, the CLI and the ops commands use. */
export { Archiver, ARCHIVE_STEPS, type ArchiverOptions, type ArchiverHooks, type ArchiveStep, type Backlog, type BackfillOptions, type PassResult, type ArchiveFailure } from './archiver.js';
export { ArchiverWorker, type ArchiverWorkerOptions } from './archiver-worker.js';
export { resolveArchiveSettings, type ArchiveSettings, type SettingsOptions } from './archive-settings.js';
export { StorageLayout, RECORDING_EXT, SIDECAR_EXT, INDEX_FILE } from './storage-layout.js';
export { parseSpoolMetadata, backfillMetadata, spoolMetadataSchema, RECORDING_ID, type SpoolMetadata, type PauseInterval } from './spool-metadata.js';
export { parseSidecar, sidecarToRow, sidecarSchema, type RecordingSidecar } from './recording-sidecar.js';
export { checkRecipients, recipientKind, loadIdentities, encryptStream, decryptStream, parseAgeHeader, encryptIdentityFile, type PassphraseSource } from './age-crypto.js';
export { decryptToFile, checkDecrypted, locateRecording, type DecryptToFileOptions, type OutputFormat } from './recording-reader.js';
export { verifyArchive, type VerifyReport, type VerifyIssue, type VerifyOptions } from './verify.js';
export { reindexArchive, type ReindexReport, type ReindexOptions } from './reindex.js';
export { checkStorageDir } from './durable-fs.js';
export { encodeOggOpus, decodeOggOpus, DEFAULT_BITRATE_BPS, DEFAULT_COMPLEXITY, type EncodeOptions, type EncodeStats } from './opus-codec.js';
export { WavReader, parseWavHeader, type WavFormat } from './wav-reader.js';
