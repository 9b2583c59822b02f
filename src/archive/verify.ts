/**
 * `callvault verify`: proves the archive is what the index says. For each
 * recording: the file exists, its size and SHA-256 match the row, its age
 * header parses and has one stanza per recipient, its sidecar agrees; with an
 * identity, it also decrypts and every Ogg page checks out. Without ids it
 * also lists orphans: files under recordings/ that no row accounts for.
 * Problems are values in the report; the CLI turns any into exit code 1.
 */
import { open } from 'node:fs/promises';
import { isCallvaultError } from '../errors.js';
import type { RecordingIndex, RecordingRow } from '../index/index.js';
import { AgeFormatError, parseAgeHeader } from './age-crypto.js';
import { digestFile } from './file-digest.js';
import { parseSidecar } from './recording-sidecar.js';
import { checkDecrypted, isNotARecipient } from './recording-reader.js';
import { RECORDING_EXT, SIDECAR_EXT, type StorageLayout, walkFiles } from './storage-layout.js';
import { readFile } from 'node:fs/promises';

export type IssueKind = 'unknown' | 'missing' | 'corrupt' | 'orphan';

export interface VerifyIssue {
  kind: IssueKind;
  id: string | null;
  path: string | null;
  detail: string;
}

export interface VerifyReport {
  checked: number;
  ok: string[];
  /** How many were also decrypted and decoded (with --identity). */
  decrypted: number;
  /**
   * Sound as far as can be checked without a key, but none of the given
   * identities is among their recipients (another purpose's team): not a
   * problem, and not in `ok`, since they were not decrypted.
   */
  notDecryptable: string[];
  issues: VerifyIssue[];
  audit: { ok: boolean; rows: number; detail: string };
}

export interface VerifyOptions {
  index: RecordingIndex;
  layout: StorageLayout;
  /** Only these recordings (no orphan scan); default all. */
  ids?: readonly string[];
  identities?: readonly string[];
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export const NOT_DECRYPTABLE = 'not decryptable with the given identities (encrypted to another purpose\'s recipients)';

async function checkOne(row: RecordingRow, o: VerifyOptions): Promise<VerifyIssue | 'decrypted' | 'not-decryptable' | 'ok'> {
  const path = o.layout.absolute(row.file);
  const issue = (kind: IssueKind, detail: string): VerifyIssue => ({ kind, id: row.id, path: row.file, detail });
  let digest;
  try {
    digest = await digestFile(path);
  } catch (err) {
    return issue('missing', (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'encrypted file missing' : `cannot read: ${(err as Error).message}`);
  }
  if (digest.size !== row.sizeBytes) return issue('corrupt', `size ${digest.size} bytes, index says ${row.sizeBytes}`);
  if (digest.sha256 !== row.sha256) return issue('corrupt', 'SHA-256 differs from the index');
  try {
    const header = parseAgeHeader(await readHead(path, 64 * 1024));
    if (header === null) return issue('corrupt', 'age header truncated');
    if (header.stanzas.length !== row.recipients.length) {
      return issue('corrupt', `age header has ${header.stanzas.length} recipient stanzas, index lists ${row.recipients.length} recipients`);
    }
  } catch (err) {
    if (err instanceof AgeFormatError) return issue('corrupt', `age header: ${err.message}`);
    throw err;
  }
  try {
    const sidecar = parseSidecar(await readFile(o.layout.sidecarPath(row.id), 'utf8'), row.id);
    if (sidecar.sha256 !== row.sha256) return issue('corrupt', 'sidecar SHA-256 differs from the index');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return issue('missing', 'sidecar missing (reindex could not rebuild this row)');
    if (isCallvaultError(err)) return issue('corrupt', err.message);
    throw err;
  }
  if (o.identities === undefined) return 'ok';
  try {
    const check = await checkDecrypted(path, row.id, o.identities);
    if (check.tags.get('CALLVAULT_ID') !== row.id) return issue('corrupt', 'decrypted file carries another recording id');
    if (Math.abs(check.durationMs - row.durationMs) > 20) return issue('corrupt', `decoded duration ${check.durationMs} ms, index says ${row.durationMs} ms`);
    if (check.channels !== row.channels) return issue('corrupt', `decoded ${check.channels} channels, index says ${row.channels}`);
  } catch (err) {
    // "Not mine" is a value: another team's recording is not damaged because this key cannot open it.
    if (isNotARecipient(err)) return 'not-decryptable';
    if (isCallvaultError(err, 'CV_ERR_ARCHIVE_DECRYPT')) return issue('corrupt', `does not decrypt: ${err.message}`);
    if (isCallvaultError(err)) return issue('corrupt', err.message);
    throw err;
  }
  return 'decrypted';
}

export async function verifyArchive(o: VerifyOptions): Promise<VerifyReport> {
  const report: VerifyReport = { checked: 0, ok: [], decrypted: 0, notDecryptable: [], issues: [], audit: { ok: true, rows: 0, detail: '' } };
  let rows: RecordingRow[];
  if (o.ids !== undefined && o.ids.length > 0) {
    rows = [];
    for (const id of o.ids) {
      const row = o.index.getRecording(id);
      if (row === null) report.issues.push({ kind: 'unknown', id, path: null, detail: 'no such recording in the index' });
      else rows.push(row);
    }
  } else {
    rows = o.index.listRecordings();
  }
  for (const row of rows) {
    if (row.status === 'purged') continue; // its file is meant to be gone
    report.checked++;
    const r = await checkOne(row, o);
    if (r === 'not-decryptable') {
      report.notDecryptable.push(row.id);
    } else if (r === 'ok' || r === 'decrypted') {
      report.ok.push(row.id);
      if (r === 'decrypted') report.decrypted++;
    } else {
      report.issues.push(r);
    }
  }
  if (o.ids === undefined || o.ids.length === 0) {
    const known = new Set(o.index.listRecordings().map((r) => r.file));
    for await (const file of walkFiles(o.layout.recordingsDir)) {
      const rel = o.layout.relative(file);
      if (rel.endsWith(RECORDING_EXT)) {
        if (!known.has(rel)) report.issues.push({ kind: 'orphan', id: null, path: rel, detail: 'encrypted file with no index row (run `callvault reindex`)' });
      } else if (rel.endsWith(SIDECAR_EXT)) {
        const partner = rel.slice(0, -SIDECAR_EXT.length) + RECORDING_EXT;
        if (!known.has(partner)) {
          const exists = await open(o.layout.absolute(partner), 'r').then(async (fh) => { await fh.close(); return true; }, () => false);
          if (!exists) report.issues.push({ kind: 'orphan', id: null, path: rel, detail: 'sidecar with no encrypted file' });
        }
      } else {
        report.issues.push({ kind: 'orphan', id: null, path: rel, detail: 'unexpected file in the recordings tree' });
      }
    }
  }
  const chain = o.index.verifyAuditChain();
  report.audit = chain.ok
    ? { ok: true, rows: chain.rows, detail: `head ${chain.head.slice(0, 16)}` }
    : { ok: false, rows: chain.rows, detail: `broken at row ${chain.brokenAt}: ${chain.reason}` };
  return report;
}
