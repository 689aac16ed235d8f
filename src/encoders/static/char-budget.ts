/** How much of a long text a static encoder tokenizes: texts are cut before WordPiece sees them. */
/**
 * Texts longer than `maxTokens * CHARS_PER_TOKEN` characters are cut (at a whitespace) before
 * tokenising, so a 1 MB text does not cost a megabyte of WordPiece when only `maxTokens` ids are
 * kept. English WordPiece averages 4-5 characters per token including spaces; 12 leaves a wide
 * margin. model2vec itself pre-cuts at `max_length * median_token_length`, a tighter budget.
 */
export const CHARS_PER_TOKEN = 12;
/** How far back from the budget to look for whitespace before cutting mid-word. */
export const WHITESPACE_SEARCH_CHARS = 100;

/** Cuts `text` to at most `budget` UTF-16 units, preferring the last whitespace before the budget. */
export function cutToCharBudget(text: string, budget: number): { text: string; cut: boolean } {
  if (text.length <= budget) return { text, cut: false };
  for (let i = budget; i > budget - WHITESPACE_SEARCH_CHARS && i > 0; i--) {
    if (/\s/.test(text.charAt(i))) return { text: text.slice(0, i), cut: true };
  }
  const end = isHighSurrogate(text.charCodeAt(budget - 1)) ? budget - 1 : budget;
  return { text: text.slice(0, end), cut: true };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
