/**
 * A refusal a route answers with: an HTTP status and a catalogue code. The
 * error handler turns it into the contract's JSON for /api/ and into a page
 * (or a redirect to /login) for pages.
 */
import { CallvaultError, type ErrorCode } from '../errors.js';
import { localized } from './error-text.js';
import type { Language } from './store/users.js';

export class Refusal extends CallvaultError {
  readonly status: 400 | 401 | 403 | 404 | 409 | 429;
  /** Kept so that the message can be given again in the user's language (error-text.ts). */
  readonly args: readonly unknown[];
  constructor(status: Refusal['status'], code: ErrorCode, args: readonly unknown[] = []) {
    super(code, args);
    this.status = status;
    this.args = args;
  }
}

export const notFound = (what: string) => new Refusal(404, 'CV_ERR_CONSOLE_NOT_FOUND', [what]);
export const forbidden = (role: string, what: string) => new Refusal(403, 'CV_ERR_CONSOLE_FORBIDDEN', [role, what]);
export const badRequest = (what: string) => new Refusal(400, 'CV_ERR_CONSOLE_BAD_REQUEST', [what]);
/** An evaluation step the lifecycle refuses (src/quality/evaluation-state.ts): 409 for the state, 403 for who asks. */
export const stepRefused = (status: 403 | 409, why: string) => new Refusal(status, 'CV_ERR_CONSOLE_EVALUATION_STEP', [why]);

export function errorBody(err: CallvaultError, lang: Language = 'en'): { error: { code: string; message: string; hint: string } } {
  const text = localized(err, lang);
  return { error: { code: err.code, message: text.message, hint: text.hint } };
}
