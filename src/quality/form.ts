/**
 * What an evaluation form is: weighted sections of weighted questions, each
 * a yes/no, a scale or a choice, each saying whether N/A is allowed, how
 * severe a failure is (normal, critical = reported apart, fatal = fails the
 * whole evaluation) and when a comment is required. Plain data, so a form
 * travels as JSON (form-schema.ts) and is stored as one immutable version
 * (form-versioning.ts). Pure: no I/O, no clock.
 */

export const FORM_LANGUAGES = ['fr', 'en'] as const;
export type FormLanguage = (typeof FORM_LANGUAGES)[number];

/** A label in each console language: reviewers and agents may read different ones. */
export type Localized = Readonly<Record<FormLanguage, string>>;

export type NaRule = 'allowed' | 'forbidden';
/** critical: counted and scored apart on dashboards; fatal: a failure sets the whole evaluation to 0 and failed. */
export type Severity = 'normal' | 'critical' | 'fatal';
/** on-failure: a comment is required when the answer fails the question (the agent needs to know why). */
export type CommentRule = 'optional' | 'required' | 'on-failure';

export interface ChoiceOption {
  readonly id: string;
  readonly label: Localized;
  /** Share of the question's weight this option earns, in [0, 1]. */
  readonly points: number;
}

export type QuestionKind =
  | { readonly kind: 'yes-no' }
  /** Integers from min to max; min earns 0, max earns the full weight, linear between. */
  | { readonly kind: 'scale'; readonly min: number; readonly max: number }
  | { readonly kind: 'choice'; readonly options: readonly ChoiceOption[] };

export type Question = QuestionKind & {
  readonly id: string;
  readonly label: Localized;
  readonly help?: Localized | undefined;
  /** Relative weight inside its section, > 0. */
  readonly weight: number;
  readonly na: NaRule;
  readonly severity: Severity;
  readonly comment: CommentRule;
  /**
   * The share of the weight at or above which the answer passes, in (0, 1];
   * default 1 (only full marks pass). A "no" always fails. Decides what
   * counts as a critical or fatal failure and when an on-failure comment is due.
   */
  readonly passAt?: number | undefined;
};

export interface Section {
  readonly id: string;
  readonly label: Localized;
  /** Relative weight in the total, > 0. */
  readonly weight: number;
  readonly questions: readonly Question[];
}

export interface EvaluationForm {
  /** Stable slug across versions (`default`, `sales-2027`). */
  readonly id: string;
  /** 1, 2, ...: which version a score was computed with (form-versioning.ts). */
  readonly version: number;
  readonly title: Localized;
  /** Total percentage at or above which an evaluation passes; none = scored only. */
  readonly passMark?: number | undefined;
  readonly sections: readonly Section[];
}

/** Every question of a form with its section, in form order. */
export function questionsOf(form: EvaluationForm): Array<{ section: Section; question: Question }> {
  return form.sections.flatMap((section) => section.questions.map((question) => ({ section, question })));
}

/**
 * Rules a JSON schema cannot say on its own: ids unique, a scale's range,
 * a choice's option ids unique and at least one option worth full marks (or
 * no answer could pass). Returns problems with the path they are at, empty
 * when the form is sound.
 */
export function formProblems(form: EvaluationForm): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const sectionIds = new Set<string>();
  const questionIds = new Set<string>();
  form.sections.forEach((s, si) => {
    const sp = `sections.${si}`;
    if (sectionIds.has(s.id)) problems.push({ path: `${sp}.id`, message: `section id '${s.id}' is used twice` });
    sectionIds.add(s.id);
    s.questions.forEach((q, qi) => {
      const qp = `${sp}.questions.${qi}`;
      // Answers name questions by id alone, so ids are unique across the whole form.
      if (questionIds.has(q.id)) problems.push({ path: `${qp}.id`, message: `question id '${q.id}' is used twice in the form` });
      questionIds.add(q.id);
      if (q.kind === 'scale' && !(q.max > q.min)) problems.push({ path: `${qp}.max`, message: `max (${q.max}) must be greater than min (${q.min})` });
      if (q.kind === 'choice') {
        const optionIds = new Set<string>();
        q.options.forEach((o, oi) => {
          if (optionIds.has(o.id)) problems.push({ path: `${qp}.options.${oi}.id`, message: `option id '${o.id}' is used twice` });
          optionIds.add(o.id);
        });
        const threshold = q.passAt ?? 1;
        if (!q.options.some((o) => o.points >= threshold)) problems.push({ path: `${qp}.options`, message: `no option reaches passAt (${threshold}): the question could never pass` });
      }
    });
  });
  return problems;
}
