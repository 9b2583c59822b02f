/**
 * `callvault agent export AGENT`: an agent's right of access (GDPR art. 15)
 * to their own evaluations, with answers, notes and every lifecycle step,
 * voided and draft ones included (they are data about the agent too). JSON by
 * default, `--csv` for one row per answer (spreadsheets, HR). The agent id is
 * matched through its keyed hash; the audit gets a short keyed reference.
 */
import type { Command } from 'commander';
import { KeyedHasher } from '../privacy/keyed-hash.js';
import { appendAudit } from '../index/audit-log.js';
import { evaluationsByAgentHash, type AgentEvaluation } from '../index/quality-store.js';
import { guardIndex, openIndex } from '../ops/open-index.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { actorFrom, configFrom, reasonFrom, withActor, withConfig } from './ops-common.js';

interface Opts { config?: string; csv?: boolean; reason?: string; actor?: string }

const CSV_HEADER = ['evaluation', 'recording', 'call_started_at', 'line', 'form', 'form_version', 'evaluator', 'state', 'score_percent', 'outcome', 'question', 'answer', 'comment'];

/** RFC 4180: quote every field that needs it; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula. */
function csvField(v: string): string {
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function agentCsv(evaluations: readonly AgentEvaluation[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const e of evaluations) {
    const head = [e.evaluationId, e.recordingId, e.callStartedAt, e.line, e.form.id, String(e.form.version), e.evaluator, e.state,
      e.scorePercent === null ? '' : e.scorePercent.toFixed(2), e.outcome ?? ''];
    const answers = e.answers.length === 0 ? [null] : e.answers;
    for (const a of answers) {
      const tail = a === null ? ['', '', ''] : [a.questionId, typeof a.value === 'object' && a.value !== null ? JSON.stringify(a.value) : String(a.value), a.comment ?? ''];
      lines.push([...head, ...tail].map(csvField).join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}

export function register(program: Command, ctx: CommandContext): void {
  const agent = program.command('agent').description("an agent's rights over their own evaluations");
  withActor(withConfig(agent.command('export')))
    .description("print an agent's evaluations (right of access) as JSON, or CSV with --csv; the request is logged in the audit")
    .argument('<agent>', 'agent id as the PBX passes it (matched through its keyed hash)')
    .option('--reason <text>', 'why (audit log)', 'agent access request')
    .option('--csv', 'print CSV, one row per answer')
    .action(action(ctx, (agentId: string, opts: Opts) => {
      const config = configFrom(opts);
      const reason = reasonFrom(opts, 'agent export');
      const actor = actorFrom(opts);
      const hasher = KeyedHasher.fromFile(config.privacy.hashKeyFile);
      const index = openIndex(config.storage.dir, 'write');
      try {
        return guardIndex(index.path, () => {
          const evaluations = evaluationsByAgentHash(index.db, hasher.hex('agent', agentId));
          appendAudit(index.db, { actor, action: 'agent-export', reason, details: { agent: hasher.short('log', agentId), evaluations: evaluations.length } });
          if (opts.csv === true) ctx.io.out(agentCsv(evaluations).replace(/\r\n$/, ''));
          else printJson(ctx.io, { evaluations });
          return 0;
        });
      } finally {
        index.close();
      }
    }));
}
