/**
 * Which texts an encoder understands. An encoder's vector for a text in a script it never saw in training is
 * noise that still looks like a vector (the bundled English model maps `运动鞋` near a Dutch oven), so such
 * texts go to the lexical path alone. Routing is by script, because the script is what a text reliably shows;
 * within one script (English vs French) it cannot tell, and the README says so.
 */

/** Languages a site may declare for a transformers.js model, and the scripts their texts are written in. */
export const LANGUAGE_SCRIPTS = Object.freeze({
  en: ['Latin'],
  fr: ['Latin'],
  de: ['Latin'],
  es: ['Latin'],
  it: ['Latin'],
  pt: ['Latin'],
  nl: ['Latin'],
  pl: ['Latin'],
  sv: ['Latin'],
  tr: ['Latin'],
  vi: ['Latin'],
  id: ['Latin'],
  zh: ['Han'],
  ja: ['Han', 'Hiragana', 'Katakana'],
  ko: ['Hangul', 'Han'],
  th: ['Thai'],
  ru: ['Cyrillic'],
  uk: ['Cyrillic'],
  el: ['Greek'],
  ar: ['Arabic'],
  fa: ['Arabic'],
  he: ['Hebrew'],
  hi: ['Devanagari'],
} as const satisfies Record<string, readonly string[]>);

export type Language = keyof typeof LANGUAGE_SCRIPTS;

/** The languages an encoder covers: `'any'` (the lexical encoder, a multilingual model) or a list. */
export type LanguageCoverage = 'any' | readonly Language[];

/**
 * Scripts that a text written in a covered language may show; letters of any other script are not understood.
 * Script extensions, not scripts: the kana length mark ー is "Common" but belongs to Japanese.
 */
const SCRIPTS = [...new Set(Object.values(LANGUAGE_SCRIPTS).flat())];
const SCRIPT_PATTERNS = new Map(SCRIPTS.map((s) => [s, new RegExp(`\\p{Script_Extensions=${s}}`, 'u')]));

/**
 * Whether an encoder covering `coverage` understands `text`: every letter must belong to a script of a covered
 * language. Digits, punctuation and emoji belong to no language and never route a text away.
 */
export function isCovered(text: string, coverage: LanguageCoverage): boolean {
  if (coverage === 'any') return true;
  const allowed = [...new Set(coverage.flatMap((l) => LANGUAGE_SCRIPTS[l]))].map((s) => SCRIPT_PATTERNS.get(s)!);
  for (const letter of text.match(/\p{L}/gu) ?? []) if (!allowed.some((p) => p.test(letter))) return false;
  return true;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(LANGUAGE_SCRIPTS, value);
}
