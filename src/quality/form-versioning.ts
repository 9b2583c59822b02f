/**
 * Form versions: a version an evaluation has used never changes, because a
 * score only means something against the questions and weights it was
 * computed with; editing a used version makes the next version. An unused
 * version (a form being drafted) may be replaced in place. Pure: the
 * store (src/index/quality-store.ts) reads the facts and applies the plan,
 * and a trigger in the index refuses any change to a used version's body.
 */
import { createHash } from 'node:crypto';
import type { EvaluationForm } from './form.js';
import { formToJson } from './form-schema.js';

export type VersionUse = 'unused' | 'used';

export interface LatestVersion {
  readonly version: number;
  readonly digest: string;
  readonly use: VersionUse;
}

export type SavePlan =
  | { readonly action: 'create'; readonly form: EvaluationForm }
  /** Same questions, weights and labels as the latest version: nothing to store. */
  | { readonly action: 'unchanged'; readonly version: number }
  | { readonly action: 'replace'; readonly form: EvaluationForm }
  | { readonly action: 'new-version'; readonly form: EvaluationForm };

/** SHA-256 of the form's export with the version number left out: two versions with the same content have the same digest. */
export function formDigest(form: EvaluationForm): string {
  return createHash('sha256').update(formToJson({ ...form, version: 1 })).digest('hex');
}

/**
 * What saving `edited` as form `edited.id` does, given its latest stored
 * version (null: a new form). The version number in `edited` is ignored
 * (an imported file says what it was elsewhere, not what it becomes here).
 */
export function planFormSave(latest: LatestVersion | null, edited: EvaluationForm): SavePlan {
  if (latest === null) return { action: 'create', form: { ...edited, version: 1 } };
  if (formDigest(edited) === latest.digest) return { action: 'unchanged', version: latest.version };
  if (latest.use === 'unused') return { action: 'replace', form: { ...edited, version: latest.version } };
  return { action: 'new-version', form: { ...edited, version: latest.version + 1 } };
}
