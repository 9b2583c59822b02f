/**
 * The daemon's config for one bench step, for either PBX: the fake PBX's
 * ports and secret, a sampled line at 25% (the issue's 2,000-seat case),
 * the recordings directory shared by the fake and the daemon, one archive
 * recipient, metrics on a port of their own. Asterisk's and FreeSWITCH's
 * blocks differ; everything else is the same step.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type BenchPbx =
  | { readonly type: 'asterisk'; readonly amiPort: number; readonly agiPort: number }
  | { readonly type: 'freeswitch'; readonly eslPort: number; readonly outboundPort: number; readonly prompts: string };

export interface BenchConfig {
  readonly pbx: BenchPbx;
  readonly metricsPort: number;
  readonly recordings: string;
  readonly recipient: string;
  readonly workers?: number;
  /** archive.scheduling; the daemon's default (idle) when absent. */
  readonly scheduling?: 'idle' | 'nice';
}

/** Writes `callvault.yaml` (and the PBX secret beside it) into `dir`; returns the config's path. */
export function writeBenchConfig(dir: string, o: BenchConfig): string {
  const path = join(dir, 'callvault.yaml');
  let pbx: string;
  let prompts: string;
  if (o.pbx.type === 'asterisk') {
    writeFileSync(join(dir, 'ami.secret'), 'bench', { mode: 0o600 });
    pbx = `  asterisk:
    ami: { host: 127.0.0.1, port: ${o.pbx.amiPort}, username: callvault, secretFile: ami.secret }
    agi: { listen: '127.0.0.1:${o.pbx.agiPort}' }`;
    prompts = '{ defaultLanguage: en }';
  } else {
    writeFileSync(join(dir, 'esl.secret'), 'ClueCon\n', { mode: 0o600 });
    pbx = `  freeswitch:
    esl: { host: 127.0.0.1, port: ${o.pbx.eslPort}, passwordFile: esl.secret }
    outbound: { listen: '127.0.0.1:${o.pbx.outboundPort}' }`;
    prompts = `{ prefix: ${o.pbx.prompts}, defaultLanguage: en }`;
  }
  writeFileSync(path, `
pbx:
  type: ${o.pbx.type}
${pbx}
    recordings: { pbx: ${o.recordings}, local: ${o.recordings} }
lines:
  bench: { mode: sampled, rate: 0.25 }
prompts: ${prompts}
privacy: { hashKeyFile: hash.key }
storage: { dir: store }
archive: { recipients: { quality: [${o.recipient}] }${o.workers !== undefined ? `, workers: ${o.workers}` : ''}${o.scheduling !== undefined ? `, scheduling: ${o.scheduling}` : ''} }
ops: { metrics: '127.0.0.1:${o.metricsPort}' }
log: { level: warn }
`);
  return path;
}
