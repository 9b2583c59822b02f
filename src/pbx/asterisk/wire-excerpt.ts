/**
 * A short, quoted excerpt of a malformed protocol line for an error message:
 * enough to recognise the fault, capped at 40 characters so that a frame
 * full of data never lands whole in a log.
 */
export function excerpt(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
