/**
 * A self-signed certificate for a first install, made by Debian's openssl
 * (node:crypto makes keys but not X.509 certificates): ECDSA P-256, the host
 * name as subjectAltName (browsers ignore the CN), 397 days (the longest a
 * browser accepts for a public certificate; a local CA's would be the same).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isIP } from 'node:net';
import { CallvaultError } from '../errors.js';

const run = promisify(execFile);

export interface CertFiles { cert: string; key: string }

export async function makeSelfSignedCert(host: string, outDir: string, days = 397): Promise<CertFiles> {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new CallvaultError('CV_ERR_CLI_USAGE', ['--host must be a DNS name or an IP address']);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const files = { cert: join(outDir, 'console-cert.pem'), key: join(outDir, 'console-key.pem') };
  for (const f of Object.values(files)) {
    if (await stat(f).then(() => true, () => false)) throw new CallvaultError('CV_ERR_ARCHIVE_EXISTS', [f]);
  }
  const san = isIP(host) !== 0 ? `IP:${host}` : `DNS:${host}`;
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256',
      '-keyout', files.key, '-out', files.cert, '-days', String(days), '-subj', `/CN=${host}`,
      '-addext', `subjectAltName=${san}`, '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=serverAuth'],
    { env: { ...process.env, OPENSSL_CONF: '/dev/null' }, timeout: 30_000 });
  } catch (cause) {
    throw new CallvaultError('CV_ERR_CONSOLE_CERT', [(cause as { stderr?: string }).stderr?.trim().split('\n')[0] ?? String(cause)], { cause });
  }
  await chmod(files.key, 0o600);
  await chmod(files.cert, 0o644);
  return files;
}
