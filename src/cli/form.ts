/**
 * `callvault form list|export|import`: evaluation forms as JSON files
 * (docs/quality.md, "Import and export"). Import saves through the
 * versioning rules: a new form is version 1, an edit of a version already
 * used for an evaluation becomes the next version, an unused one is replaced,
 * the same content changes nothing. The file is checked whole before
 * anything is written, and the problems are listed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CallvaultError } from '../errors.js';
import { currentForm, getFormVersion, listForms, saveForm } from '../index/quality-store.js';
import { formToJson, parseFormJson } from '../quality/form-schema.js';
import { guardIndex, openIndex } from '../ops/open-index.js';
import { action, type CommandContext } from './context.js';
import { printJson } from './output.js';
import { actorFrom, configFrom, intOption, withActor, withConfig } from './ops-common.js';

interface Opts { config?: string; actor?: string; json?: boolean; formVersion?: string; output?: string }

export function register(program: Command, ctx: CommandContext): void {
  const form = program.command('form').description('evaluation forms: list, export and import as JSON');

  withConfig(form.command('list'))
    .description('list the forms and their versions (a used version is frozen)')
    .option('--json', 'print as JSON')
    .action(action(ctx, (opts: Opts) => {
      const index = openIndex(configFrom(opts).storage.dir, 'read');
      try {
        const forms = listForms(index.db);
        if (opts.json === true) { printJson(ctx.io, { forms }); return 0; }
        if (forms.length === 0) ctx.io.out('no form yet: the default form is saved when the first evaluation starts, or export it with `callvault form export default`');
        for (const f of forms) for (const v of f.versions) ctx.io.out(`${f.id}\tv${v.version}\t${v.firstUsedAt === null ? 'unused' : `used since ${v.firstUsedAt}`}\t${v.title.en}`);
        return 0;
      } finally {
        index.close();
      }
    }));

  withActor(withConfig(form.command('export')))
    .description('print a form version as JSON (default: the latest; `default` is the built-in form until it is edited)')
    .argument('<id>', 'form id')
    .option('--form-version <n>', 'a version number (default: the latest)')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(action(ctx, (id: string, opts: Opts) => {
      const config = configFrom(opts);
      const index = openIndex(config.storage.dir, 'write');
      try {
        return guardIndex(index.path, () => {
          const f = opts.formVersion === undefined ? currentForm(index.db, id, actorFrom(opts), new Date()) : getFormVersion(index.db, id, intOption(opts.formVersion, '--form-version', 1, 1_000_000, 1));
          if (f === null) throw new CallvaultError('CV_ERR_QUALITY_FORM_UNKNOWN', [opts.formVersion === undefined ? id : `${id} v${opts.formVersion}`]);
          const text = formToJson(f);
          if (opts.output !== undefined) writeFileSync(opts.output, text, { mode: 0o644 });
          else ctx.io.out(text.replace(/\n$/, ''));
          return 0;
        });
      } finally {
        index.close();
      }
    }));

  withActor(withConfig(form.command('import')))
    .description('save a form file: version 1 if new, the next version if the latest was used, in place if it was not')
    .argument('<file>', 'a form JSON file (as `callvault form export` writes it)')
    .option('--json', 'print the result as JSON')
    .action(action(ctx, (file: string, opts: Opts) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (cause) {
        throw new CallvaultError('CV_ERR_QUALITY_FORM_PARSE', [file, (cause as Error).message], { cause });
      }
      // Checked whole before the index is opened: a bad file writes nothing.
      const parsed = parseFormJson(text, file);
      const index = openIndex(configFrom(opts).storage.dir, 'write');
      try {
        return guardIndex(index.path, () => {
          const plan = saveForm(index.db, parsed, actorFrom(opts), new Date());
          const version = plan.action === 'unchanged' ? plan.version : plan.form.version;
          if (opts.json === true) printJson(ctx.io, { form: parsed.id, version, action: plan.action });
          else ctx.io.out({
            create: `form ${parsed.id}: created as version ${version}`,
            'new-version': `form ${parsed.id}: saved as version ${version} (the previous version was used by evaluations and stays as it was)`,
            replace: `form ${parsed.id}: version ${version} replaced (no evaluation had used it)`,
            unchanged: `form ${parsed.id}: unchanged (same content as version ${version})`,
          }[plan.action]);
          return 0;
        });
      } finally {
        index.close();
      }
    }));
}
