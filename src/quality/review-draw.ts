/**
 * The review queue: which calls the system proposes to evaluate this
 * period, spread evenly across agents. Each agent has a quota per week or
 * month; agents already evaluated this period need fewer. Among an agent's
 * candidate recordings (those the reviewer may hear: the caller filters by
 * scope), the ones with the smallest keyed draw are picked, the same HMAC
 * draw as sampling (KeyedHasher.unit, domain 'review'), so the choice is
 * reproducible by an auditor with the key and cannot be steered by the
 * reviewer. The queue then takes agents in rounds (everyone's first pick,
 * then everyone's second), so a reviewer who stops halfway has covered
 * agents evenly. Pure: draws and the period are passed in.
 */

export type QuotaPeriod = 'week' | 'month';

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The period a local day (YYYY-MM-DD, in the centre's time zone) falls in:
 * ISO 8601 week (`2026-W49`, weeks start on Monday; the first week holds the
 * year's first Thursday) or month (`2026-12`).
 */
export function periodKey(day: string, period: QuotaPeriod): string {
  const m = DAY_RE.exec(day);
  if (m === null) throw new RangeError(`day must be YYYY-MM-DD, got ${day}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  if (new Date(t).getUTCDate() !== d || new Date(t).getUTCMonth() !== mo - 1) throw new RangeError(`no such day: ${day}`);
  if (period === 'month') return `${m[1]}-${m[2]}`;
  const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(t + (3 - weekday) * 86_400_000); // the week belongs to its Thursday's year
  const isoYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * 86_400_000));
  return `${isoYear}-W${String(week).padStart(2, '0')}`;
}

/** The string to give KeyedHasher.unit('review', ...): the period is in it, so each period draws afresh. */
export function reviewDrawInput(period: string, recordingId: string): string {
  return `${period}\0${recordingId}`;
}

export interface ReviewCandidate {
  readonly recordingId: string;
  /** Keyed hash of the agent (recordings.agent_hash); calls without a known agent cannot be spread and are not candidates. */
  readonly agentHash: string;
  /** Uniform in [0, 1): KeyedHasher.unit('review', reviewDrawInput(period, recordingId)). */
  readonly draw: number;
}

export interface ReviewQuota {
  /** Evaluations wanted per agent per period. */
  readonly perAgent: number;
  /** Evaluations already made this period, by agent hash (not voided ones: the caller counts). */
  readonly done: Readonly<Partial<Record<string, number>>>;
}

export interface QueueItem {
  readonly recordingId: string;
  readonly agentHash: string;
  /** 1 for an agent's first pick, 2 for the second, ... */
  readonly round: number;
}

const byDraw = (a: ReviewCandidate, b: ReviewCandidate) => a.draw - b.draw || (a.recordingId < b.recordingId ? -1 : a.recordingId > b.recordingId ? 1 : 0);

export function drawReviewQueue(candidates: readonly ReviewCandidate[], quota: ReviewQuota): QueueItem[] {
  if (!Number.isInteger(quota.perAgent) || quota.perAgent < 0) throw new RangeError(`quota must be a whole number >= 0, got ${quota.perAgent}`);
  const byAgent = new Map<string, ReviewCandidate[]>();
  const seen = new Set<string>();
  for (const c of candidates) {
    if (!(c.draw >= 0 && c.draw < 1)) throw new RangeError(`draw must be in [0, 1), got ${c.draw}`);
    // A recording listed twice (two scopes overlapping) counts once.
    if (seen.has(c.recordingId)) continue;
    seen.add(c.recordingId);
    const list = byAgent.get(c.agentHash) ?? [];
    list.push(c);
    byAgent.set(c.agentHash, list);
  }
  const picks: ReviewCandidate[][] = [];
  for (const [agent, list] of byAgent) {
    const need = Math.max(0, quota.perAgent - (quota.done[agent] ?? 0));
    if (need > 0) picks.push([...list].sort(byDraw).slice(0, need));
  }
  const queue: QueueItem[] = [];
  const rounds = Math.max(0, ...picks.map((p) => p.length));
  for (let r = 0; r < rounds; r++) {
    // Inside a round, agents in the order of their pick's draw: reproducible, and no agent always first.
    const round = picks.filter((p) => p.length > r).map((p) => p[r]!).sort(byDraw);
    for (const c of round) queue.push({ recordingId: c.recordingId, agentHash: c.agentHash, round: r + 1 });
  }
  return queue;
}
