/**
 * How long a recording may be kept, by purpose, after the CNIL's guidance:
 * quality and training at most 6 months, analysis documents 1 year,
 * contract proof at most 5 years and destroyed as soon as written or
 * e-signed proof exists, regulated lines as configured. Pure: `now` is passed in.
 */
import type { Purpose } from './purpose.js';

export type RetentionDays = Record<Purpose, number>;

/** Upper bounds the config may not exceed (days). 183 = 6 months, 366 = 1 year, 1827 = 5 years. */
export const RETENTION_CEILING_DAYS: RetentionDays = {
  quality: 183, training: 183, analysis: 366, contract: 1827, regulatory: 3653,
};

const DAY_MS = 86_400_000;

export function retentionDeadline(purpose: Purpose, endedAt: Date, days: RetentionDays): Date {
  const d = Math.min(days[purpose], RETENTION_CEILING_DAYS[purpose]);
  return new Date(endedAt.getTime() + d * DAY_MS);
}

export interface RetentionFacts {
  purpose: Purpose;
  deadline: Date;
  /** Active legal holds on the recording. */
  holds: number;
  /** Written or e-signed proof of the contract was received. */
  proofReceivedAt?: Date | null;
}

export type PurgeDecision =
  | { decision: 'keep'; reason: 'legal-hold' | 'within-retention' }
  | { decision: 'purge'; reason: 'retention-expired' | 'proof-received' };

export function purgeDecision(facts: RetentionFacts, now: Date): PurgeDecision {
  // A hold beats everything: disputes and complaints need the evidence.
  if (facts.holds > 0) return { decision: 'keep', reason: 'legal-hold' };
  if (facts.purpose === 'contract' && facts.proofReceivedAt != null && facts.proofReceivedAt.getTime() <= now.getTime()) {
    return { decision: 'purge', reason: 'proof-received' };
  }
  if (now.getTime() >= facts.deadline.getTime()) return { decision: 'purge', reason: 'retention-expired' };
  return { decision: 'keep', reason: 'within-retention' };
}

/**
 * Evaluations, their notes and answers are analysis documents: kept at
 * most one year from when the evaluation was made (CNIL), whatever happens
 * to the recording, which usually goes after 6 months. The year counts from
 * the evaluation's creation, not the call: the document is what is kept.
 */
export const EVALUATION_RETENTION_CEILING_DAYS = RETENTION_CEILING_DAYS.analysis;

export function evaluationDeadline(createdAt: Date, days: number = EVALUATION_RETENTION_CEILING_DAYS): Date {
  if (!(days > 0)) throw new RangeError(`evaluation retention must be positive, got ${days}`);
  return new Date(createdAt.getTime() + Math.min(days, EVALUATION_RETENTION_CEILING_DAYS) * DAY_MS);
}

export interface EvaluationRetentionFacts {
  deadline: Date;
  /** Active legal holds on the evaluated recording: a dispute needs the evaluation as much as the audio. */
  holds: number;
}

export type EvaluationPurgeDecision =
  | { decision: 'keep'; reason: 'legal-hold' | 'within-retention' }
  | { decision: 'purge'; reason: 'retention-expired' };

export function evaluationPurgeDecision(facts: EvaluationRetentionFacts, now: Date): EvaluationPurgeDecision {
  if (facts.holds > 0) return { decision: 'keep', reason: 'legal-hold' };
  if (now.getTime() >= facts.deadline.getTime()) return { decision: 'purge', reason: 'retention-expired' };
  return { decision: 'keep', reason: 'within-retention' };
}
