/**
 * Login throttling, as a pure function of the stored state and the time:
 * after `maxFailures` failed sign-ins inside `windowMs` a key (an account or
 * an address) is locked for `lockMs`, doubling with each further lock up to
 * `maxLockMs`. Accounts and addresses are counted apart so that one attacker
 * cannot lock every account from one address without being locked first,
 * and a spray across addresses still locks the account.
 */
export interface ThrottleRule {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  maxLockMs: number;
}

export const ACCOUNT_RULE: ThrottleRule = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000, maxLockMs: 24 * 3_600_000 };
export const ADDRESS_RULE: ThrottleRule = { maxFailures: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000, maxLockMs: 24 * 3_600_000 };

export interface ThrottleState {
  failures: number;
  windowStartMs: number;
  lockedUntilMs: number | null;
}

export type ThrottleVerdict = { decision: 'allow' } | { decision: 'locked'; untilMs: number };

export function checkThrottle(state: ThrottleState | null, nowMs: number): ThrottleVerdict {
  if (state?.lockedUntilMs != null && state.lockedUntilMs > nowMs) return { decision: 'locked', untilMs: state.lockedUntilMs };
  return { decision: 'allow' };
}

/** The state after one more failure at `nowMs`. */
export function afterFailure(state: ThrottleState | null, nowMs: number, rule: ThrottleRule): ThrottleState {
  const inWindow = state !== null && nowMs - state.windowStartMs < rule.windowMs;
  const failures = inWindow ? state.failures + 1 : 1;
  const windowStartMs = inWindow ? state.windowStartMs : nowMs;
  if (failures < rule.maxFailures) return { failures, windowStartMs, lockedUntilMs: state?.lockedUntilMs ?? null };
  const locksSoFar = Math.floor(failures / rule.maxFailures) - 1;
  const lock = Math.min(rule.maxLockMs, rule.lockMs * 2 ** Math.min(locksSoFar, 20));
  return { failures, windowStartMs, lockedUntilMs: nowMs + lock };
}
