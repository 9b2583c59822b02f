/**
 * The part of mod_dialplan_xml that callvault's dialplan uses, so the e2e
 * tests run dialplan/freeswitch/callvault.xml itself rather than a copy of
 * its logic. Modelled on dialplan_hunt / parse_exten in mod_dialplan_xml.c:
 *
 * - A hunt walks the context's extensions in order. An extension's
 *   conditions are tested in order; with the default `break="on-false"` the
 *   first false one ends the extension. When all are true its actions are
 *   added, and the hunt stops unless the extension says `continue="true"`.
 * - A condition's `field` is read at hunt time: `destination_number` and the
 *   other caller-profile names, or a `${variable}` expansion. Action data is
 *   NOT expanded at hunt time: switch_core_session_exec expands it when the
 *   application runs, after the applications before it.
 * - `execute_extension <ext> XML <context>` hunts again when it runs, which is
 *   how the callvault dialplan tests variables the daemon has just set.
 *
 * Not modelled (callvault.xml does not use them): actions in any but the
 * last condition of an extension, anti-actions, `break`
 * values other than on-false, regex captures ($1), `inline="true"`, time
 * conditions, expressions in `${api(...)}` form. Loading a file that uses
 * them throws, so the dialplan cannot drift into untested features.
 */

export interface DialplanAction {
  readonly app: string;
  readonly data: string;
}

interface Condition {
  readonly field: string;
  readonly expression: RegExp;
  readonly actions: DialplanAction[];
}

interface Extension {
  readonly name: string;
  readonly continue: boolean;
  readonly conditions: Condition[];
}

interface XmlNode {
  readonly tag: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlNode[];
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] as string);
}

/** Enough XML for dialplan files: elements, double-quoted attributes, comments, the prolog; text is ignored. */
export function parseXml(text: string): XmlNode {
  const root: XmlNode = { tag: '#root', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/\s*([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    const top = stack[stack.length - 1] as XmlNode;
    if (m[1] !== undefined) {
      if (top.tag !== m[1]) throw new Error(`dialplan xml: </${m[1]}> closes <${top.tag}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1] as string] = decodeEntities(a[2] as string);
    const node: XmlNode = { tag: m[2] as string, attrs, children: [] };
    top.children.push(node);
    if (m[4] !== '/') stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`dialplan xml: <${(stack[stack.length - 1] as XmlNode).tag}> is not closed`);
  return root;
}

function walk(node: XmlNode, tag: string, out: XmlNode[] = []): XmlNode[] {
  for (const c of node.children) {
    if (c.tag === tag) out.push(c);
    else walk(c, tag, out);
  }
  return out;
}

export class XmlDialplan {
  readonly #contexts = new Map<string, Extension[]>();

  /** Loads one or more dialplan files (each an `<include>` or a `<document>`); contexts of the same name are merged in order. */
  constructor(files: readonly string[]) {
    for (const text of files) {
      for (const ctx of walk(parseXml(text), 'context')) {
        const name = ctx.attrs.name ?? '';
        const list = this.#contexts.get(name) ?? [];
        for (const ext of ctx.children.filter((c) => c.tag === 'extension')) list.push(this.#extension(ext));
        this.#contexts.set(name, list);
      }
    }
  }

  #extension(node: XmlNode): Extension {
    const conditions: Condition[] = [];
    for (const c of node.children) {
      if (c.tag !== 'condition') throw new Error(`dialplan xml: <${c.tag}> in an extension is not simulated`);
      for (const k of Object.keys(c.attrs)) if (k !== 'field' && k !== 'expression') throw new Error(`dialplan xml: condition attribute ${k} is not simulated`);
      const actions: DialplanAction[] = [];
      for (const a of c.children) {
        if (a.tag !== 'action') throw new Error(`dialplan xml: <${a.tag}> is not simulated`);
        if (a.attrs.inline !== undefined) throw new Error('dialplan xml: inline actions are not simulated');
        actions.push({ app: a.attrs.application ?? '', data: a.attrs.data ?? '' });
      }
      if (/\$\d/.test(actions.map((a) => a.data).join(' '))) throw new Error('dialplan xml: regex captures are not simulated');
      conditions.push({ field: c.attrs.field ?? '', expression: new RegExp(c.attrs.expression ?? ''), actions });
    }
    // parse_exten adds a true condition's actions before it tests the next condition, so actions in a
    // condition followed by a false one would still run: callvault.xml keeps actions in the last one only.
    if (conditions.slice(0, -1).some((c) => c.actions.length > 0)) throw new Error(`dialplan xml: extension ${node.attrs.name ?? ''}: actions before its last condition are not simulated`);
    return { name: node.attrs.name ?? '', continue: node.attrs.continue === 'true', conditions };
  }

  /**
   * The applications a call to `destination` in `context` runs. `field`
   * reads a caller-profile field or expands a `${...}` condition field.
   */
  hunt(context: string, destination: string, field: (name: string) => string): DialplanAction[] {
    const out: DialplanAction[] = [];
    for (const ext of this.#contexts.get(context) ?? []) {
      const actions: DialplanAction[] = [];
      let matched = ext.conditions.length > 0;
      for (const c of ext.conditions) {
        const value = c.field === 'destination_number' ? destination : field(c.field);
        if (!c.expression.test(value)) { matched = false; break; }
        actions.push(...c.actions);
      }
      if (!matched) continue;
      out.push(...actions);
      if (!ext.continue) break;
    }
    return out;
  }
}

/** switch_channel_expand_variables for plain `${name}` references: unset expands to the empty string. */
export function expandVariables(data: string, lookup: (name: string) => string | undefined): string {
  // The one API expansion callvault.xml uses: mod_commands' strepoch, epoch seconds.
  data = data.replace(/\$\{strepoch\(\)\}/g, () => String(Math.floor(Date.now() / 1000)));
  if (/\$\{[^}]*\(/.test(data)) throw new Error('dialplan: ${api(...)} expansion is not simulated');
  return data.replace(/\$\{([^}]+)\}/g, (_, name: string) => lookup(name) ?? '');
}
