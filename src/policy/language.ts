/**
 * Which language the caller hears the notice in. The PBX adapters gather
 * what the call says (an explicit CALLVAULT_LANGUAGE, the channel's own
 * language and what that PBX uses when nobody set one) and this decides, so
 * that "no language set" means the same thing on every PBX.
 *
 * Why the PBX default counts as unset: Asterisk gives every new channel its
 * `defaultlanguage` (asterisk.conf, `en` unless changed; main/channel.c
 * __ast_channel_alloc_ap) and keeps no trace of whether anyone set it since,
 * so `agi_language` is never empty and a channel language equal to that
 * default is indistinguishable from none. FreeSWITCH has no such always-set
 * value; there only CALLVAULT_LANGUAGE counts (pbxDefault and channel null).
 */

export interface LanguageInput {
  /** CALLVAULT_LANGUAGE on the channel: the dialplan's explicit choice, or null. */
  readonly explicit: string | null;
  /** The channel's own language (Asterisk CHANNEL(language)), or null where the PBX has none. */
  readonly channel: string | null;
  /** What the PBX gives a channel nobody set a language on (Asterisk `defaultlanguage`), or null. */
  readonly pbxDefault: string | null;
}

export type LanguageChoice = {
  readonly language: string;
  /** explicit: CALLVAULT_LANGUAGE; channel: a channel language other than the PBX default; default: prompts.defaultLanguage. */
  readonly reason: 'explicit' | 'channel' | 'default';
};

/** `fr_FR`, `FR`, `fr-CA` → `fr`: prompts exist per base language only. */
function base(tag: string | null): string | null {
  if (tag === null) return null;
  const b = tag.trim().toLowerCase().split(/[_-]/)[0] ?? '';
  return b === '' ? null : b;
}

/**
 * The prompt language: an explicit CALLVAULT_LANGUAGE with prompts, else a
 * channel language with prompts that differs from the PBX default, else the
 * configured default. A language without prompts is passed over (the caller
 * must hear a notice, and the configured default has one).
 */
export function chooseLanguage(input: LanguageInput, configuredDefault: string, available: readonly string[]): LanguageChoice {
  const has = (l: string | null): l is string => l !== null && available.includes(l);
  const explicit = base(input.explicit);
  if (has(explicit)) return { language: explicit, reason: 'explicit' };
  const channel = base(input.channel);
  if (has(channel) && channel !== base(input.pbxDefault)) return { language: channel, reason: 'channel' };
  return { language: configuredDefault, reason: 'default' };
}
