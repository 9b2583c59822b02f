/** Stored login-throttle state (table console_login_throttle), read and written around throttle-policy.ts. */
import type { Database } from 'better-sqlite3';
import type { ThrottleState } from '../throttle-policy.js';

export function getThrottle(db: Database, key: string): ThrottleState | null {
  const r = db.prepare('SELECT failures, window_start, locked_until FROM console_login_throttle WHERE key = ?').get(key) as
    { failures: number; window_start: string; locked_until: string | null } | undefined;
  return r === undefined ? null : { failures: r.failures, windowStartMs: Date.parse(r.window_start), lockedUntilMs: r.locked_until === null ? null : Date.parse(r.locked_until) };
}

export function putThrottle(db: Database, key: string, s: ThrottleState): void {
  db.prepare(`INSERT INTO console_login_throttle (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`)
    .run(key, s.failures, new Date(s.windowStartMs).toISOString(), s.lockedUntilMs === null ? null : new Date(s.lockedUntilMs).toISOString());
}

/** A successful sign-in clears the account's count (not the address's: one success must not reset a spray). */
export function clearThrottle(db: Database, key: string): void {
  db.prepare('DELETE FROM console_login_throttle WHERE key = ?').run(key);
}
