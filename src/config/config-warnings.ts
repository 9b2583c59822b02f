/**
 * What a valid config does that its author may not expect: printed by
 * check-config and logged by `run` at start. Not errors: the daemon runs.
 */
import type { Config } from './schema.js';
import { announceOverride, answerRateCeiling } from '../policy/answer.js';

export function configWarnings(config: Pick<Config, 'agents' | 'teams' | 'lines'>): string[] {
  const out: string[] = [];
  if (config.agents.legacyRates) out.push('agents.rates is deprecated: write agents.<id>.rate (same value) instead; it keeps working for now');
  const ceiling = answerRateCeiling(config.agents.byId, config.teams);
  for (const [name, line] of Object.entries(config.lines)) {
    const w = announceOverride(name, line, ceiling);
    if (w !== null) out.push(w);
  }
  for (const id of config.agents.protected) {
    if (config.agents.byId[id]?.rate !== undefined) out.push(`agents.${id}.rate is ignored: the agent is in agents.protected (never recorded)`);
  }
  return out;
}
