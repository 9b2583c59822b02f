/**
 * A form as JSON, for import and export: the zod schema, and messages that
 * name the bad path (`sections.1.questions.0.weight: must be greater than 0`)
 * so that a QA lead editing a file by hand can find the mistake. The file
 * carries `format: "callvault-form/1"`; a later format gets a new marker and
 * this module keeps reading the old one (docs/quality.md, "Import and export").
 */
import { z } from 'zod';
import { CallvaultError } from '../errors.js';
import { formProblems, type EvaluationForm } from './form.js';

export const FORM_FORMAT = 'callvault-form/1';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 lowercase letters, digits or dashes, starting with a letter or digit');
const text = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');
const localized = z.strictObject({ fr: text, en: text }, 'must be an object with a French (fr) and an English (en) text');
const weight = z.number('must be a number').positive('must be greater than 0').max(1000, 'must be at most 1000');

const common = {
  id,
  label: localized,
  help: localized.optional(),
  weight,
  na: z.enum(['allowed', 'forbidden'], "must be 'allowed' or 'forbidden'"),
  severity: z.enum(['normal', 'critical', 'fatal'], "must be 'normal', 'critical' or 'fatal'"),
  comment: z.enum(['optional', 'required', 'on-failure'], "must be 'optional', 'required' or 'on-failure'"),
  passAt: z.number('must be a number').gt(0, 'must be greater than 0').max(1, 'must be at most 1').optional(),
};

const question = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('yes-no') }),
  z.strictObject({ ...common, kind: z.literal('scale'), min: z.int('must be an integer').min(0).max(100), max: z.int('must be an integer').min(1).max(100) }),
  z.strictObject({
    ...common, kind: z.literal('choice'),
    options: z.array(z.strictObject({ id, label: localized, points: z.number('must be a number').min(0, 'must be at least 0').max(1, 'must be at most 1') }))
      .min(2, 'a choice needs at least 2 options').max(20, 'a choice has at most 20 options'),
  }),
], { error: "kind must be 'yes-no', 'scale' or 'choice'" });

const section = z.strictObject({
  id, label: localized, weight,
  questions: z.array(question).min(1, 'a section needs at least one question').max(100, 'a section has at most 100 questions'),
});

export const formSchema = z.strictObject({
  format: z.literal(FORM_FORMAT, `must be "${FORM_FORMAT}"`),
  id,
  version: z.int('must be an integer').min(1, 'must be at least 1'),
  title: localized,
  passMark: z.number('must be a number').min(0, 'must be at least 0').max(100, 'must be at most 100').optional(),
  sections: z.array(section).min(1, 'a form needs at least one section').max(50, 'a form has at most 50 sections'),
});

/** Whether the key at `path` is absent from `raw` (zod does not pass the input to its issues by default). */
function absent(raw: unknown, path: readonly PropertyKey[]): boolean {
  let at: unknown = raw;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !(key in at)) return true;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at === undefined;
}

function describe(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `${path === '(top level)' ? '' : path + ': '}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  // The custom messages say what a present value must be; a missing one is told as missing.
  if (issue.path.length > 0 && absent(raw, issue.path)) return `${path}: is required`;
  return `${path}: ${issue.message}`;
}

/**
 * Problems with a parsed JSON value as a form, each naming its path; empty
 * when it is a sound form. "Not a form" is a value here: the console shows
 * the list next to the upload.
 */
export function formJsonProblems(raw: unknown): { form: EvaluationForm; problems: [] } | { form: null; problems: string[] } {
  const parsed = formSchema.safeParse(raw);
  if (!parsed.success) return { form: null, problems: parsed.error.issues.map((i) => describe(i, raw)) };
  const { format: _format, ...form } = parsed.data;
  const sound = formProblems(form);
  if (sound.length > 0) return { form: null, problems: sound.map((p) => `${p.path}: ${p.message}`) };
  return { form, problems: [] };
}

/** Reads a form file's text; a file that is not a sound form is an error whose message lists every problem. */
export function parseFormJson(textIn: string, source: string): EvaluationForm {
  let raw: unknown;
  try {
    raw = JSON.parse(textIn);
  } catch (cause) {
    throw new CallvaultError('CV_ERR_QUALITY_FORM_PARSE', [source, cause instanceof Error ? cause.message : String(cause)], { cause });
  }
  const r = formJsonProblems(raw);
  if (r.form === null) throw new CallvaultError('CV_ERR_QUALITY_FORM_INVALID', [source, r.problems.join('; ')]);
  return r.form;
}

/** The export: stable key order (the schema's), two-space indent, so that two exports of one version diff cleanly. */
export function formToJson(form: EvaluationForm): string {
  const ordered = formSchema.parse({ format: FORM_FORMAT, ...form });
  return JSON.stringify(ordered, null, 2) + '\n';
}
