/**
 * The periods when an employee may be recorded or listened to, per line,
 * as the law asks them to be told (issue 8): the line's windows intersected
 * with the team's, in the config's time zone. `callvault windows` prints it
 * for HR to hand out; the same table answers the monitor gate's question
 * (src/policy/windows.ts does the arithmetic).
 */
import type { Config } from '../config/schema.js';
import { WEEK_DAYS, type WeekDay } from '../config/schema.js';
import { combinedSpans, formatMinute } from '../policy/windows.js';
import { effectiveRate } from '../policy/answer.js';

export interface LinePeriods {
  line: string;
  mode: string;
  /** Share of this subject's calls recorded on the line (null: depends on the caller's consent). */
  rate: number | null;
  periods: Record<WeekDay, Array<{ from: string; to: string }>>;
}

export interface PeriodTable {
  timeZone: string;
  subject: { kind: 'agent'; agent: string; team: string | null } | { kind: 'team'; team: string } | { kind: 'everyone' };
  /** In agents.protected: never recorded nor listened to, whatever the lines say. */
  protected: boolean;
  lines: LinePeriods[];
}

type Subject = PeriodTable['subject'];

export function periodTable(config: Pick<Config, 'lines' | 'teams' | 'agents' | 'timeZone'>, subject: Subject): PeriodTable {
  const team = subject.kind === 'agent' ? subject.team : subject.kind === 'team' ? subject.team : null;
  const teamPolicy = team !== null ? config.teams[team] : undefined;
  const isProtected = subject.kind === 'agent' && config.agents.protected.includes(subject.agent);
  const lines: LinePeriods[] = [];
  if (!isProtected) {
    for (const [name, line] of Object.entries(config.lines)) {
      if (line.mode === 'never') continue;
      const spans = combinedSpans([line.windows, teamPolicy?.windows]);
      const periods = Object.fromEntries(WEEK_DAYS.map((d) => [d, spans[d].map(([f, t]) => ({ from: formatMinute(f), to: formatMinute(t) }))])) as LinePeriods['periods'];
      let rate: number | null;
      if (line.mode === 'sampled') {
        const profile = subject.kind === 'agent' ? config.agents.byId[subject.agent] : undefined;
        rate = effectiveRate(line, { profile, team: teamPolicy, protected: false }).rate;
      } else rate = line.mode === 'mandatory' ? 1 : null;
      lines.push({ line: name, mode: line.mode, rate, periods });
    }
  }
  return { timeZone: config.timeZone, subject, protected: isProtected, lines };
}

const DAY_NAMES: Record<'en' | 'fr', Record<WeekDay, string>> = {
  en: { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' },
  fr: { mon: 'lundi', tue: 'mardi', wed: 'mercredi', thu: 'jeudi', fri: 'vendredi', sat: 'samedi', sun: 'dimanche' },
};

const WORDS = {
  en: {
    title: 'Periods when calls may be recorded or listened to live', zone: 'time zone', agent: 'agent', team: 'team', everyone: 'all agents',
    protected: 'never recorded and never listened to (protected)', line: 'line', never: 'never', whole: 'all day',
    rate: (r: number | null) => (r === null ? 'only with the caller\'s consent' : r >= 1 ? 'every call' : r <= 0 ? 'no call' : `about ${Math.round(r * 100)}% of calls`),
    none: 'no line records calls',
  },
  fr: {
    title: 'Périodes pendant lesquelles les appels peuvent être enregistrés ou écoutés en direct', zone: 'fuseau horaire', agent: 'agent', team: 'équipe', everyone: 'tous les agents',
    protected: 'jamais enregistré ni écouté (protégé)', line: 'ligne', never: 'jamais', whole: 'toute la journée',
    rate: (r: number | null) => (r === null ? 'seulement avec l\'accord de l\'appelant' : r >= 1 ? 'tous les appels' : r <= 0 ? 'aucun appel' : `environ ${Math.round(r * 100)} % des appels`),
    none: 'aucune ligne n\'enregistre d\'appels',
  },
} as const;

/** The table as text, one block per line, one row per day. */
export function renderPeriodTable(t: PeriodTable, lang: 'en' | 'fr'): string[] {
  const w = WORDS[lang];
  const who = t.subject.kind === 'agent'
    ? `${w.agent}: ${t.subject.agent}${t.subject.team !== null ? ` (${w.team} ${t.subject.team})` : ''}`
    : t.subject.kind === 'team' ? `${w.team}: ${t.subject.team}` : w.everyone;
  const out = [`${w.title}`, `${who}; ${w.zone} ${t.timeZone}`];
  if (t.protected) { out.push(`  ${w.protected}`); return out; }
  if (t.lines.length === 0) out.push(`  ${w.none}`);
  const width = Math.max(...Object.values(DAY_NAMES[lang]).map((d) => d.length));
  for (const l of t.lines) {
    out.push('', `${w.line} ${l.line}: ${w.rate(l.rate)}`);
    for (const d of WEEK_DAYS) {
      const p = l.periods[d];
      const text = p.length === 0 ? w.never : p.length === 1 && p[0]!.from === '00:00' && p[0]!.to === '24:00' ? w.whole : p.map((x) => `${x.from}-${x.to}`).join(', ');
      out.push(`  ${DAY_NAMES[lang][d].padEnd(width)}  ${text}`);
    }
  }
  return out;
}
