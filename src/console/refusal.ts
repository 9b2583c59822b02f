/**
 * A refusal a route answers with: an HTTP status and a catalogue code. The
 * error handler turns it into the contract's JSON for /api/ and into a page
 * (or a redirect to /login) for pages.
 */
import { CallvaultError, type ErrorCode } from '../errors.js';

export class Refusal extends CallvaultError {
  readonly status: 400 | 401 | 403 | 404 | 409 | 429;
  constructor(status: Refusal['status'], code: ErrorCode, args: readonly unknown[] = []) {
    super(code, args);
    this.status = status;
  }
}

export const notFound = (what: string) => new Refusal(404, 'CV_ERR_CONSOLE_NOT_FOUND', [what]);
export const forbidden = (role: string, what: string) => new Refusal(403, 'CV_ERR_CONSOLE_FORBIDDEN', [role, what]);
export const badRequest = (what: string) => new Refusal(400, 'CV_ERR_CONSOLE_BAD_REQUEST', [what]);

export function errorBody(err: CallvaultError): { error: { code: string; message: string; hint: string } } {
  return { error: { code: err.code, message: err.message, hint: err.hint } };
}
