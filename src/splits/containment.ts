/**
 * Groups of texts for leak-free held-out splits: a text that occurs inside another training text
 * (as a run of its words, or as an exact duplicate) joins that text's group, and a split keeps
 * every group on one side, so held-out rows are not pieces of training texts (SST-2's phrases).
 * The figures: docs/decisions/held-out-splits.md.
 */

/** Texts longer than this many words are never looked for inside others (bounds the work per text). */
export const MAX_CONTAINED_WORDS = 64;

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * A group id per text: the index of the longest text that contains it (itself when none does;
 * ties: the earliest). Texts with no word are each their own group.
 */
export function containmentGroups(texts: readonly string[]): Int32Array {
  const ids = new Map<string, number>();
  const words = texts.map((text) =>
    Int32Array.from(
      text.toLowerCase().match(WORD) ?? [],
      (word) => ids.get(word) ?? ids.set(word, ids.size).get(word)!,
    ),
  );
  // Texts that may sit inside another, by hash of their words.
  const byHash = new Map<number, number[]>();
  words.forEach((w, index) => {
    if (w.length === 0 || w.length > MAX_CONTAINED_WORDS) return;
    const key = spanHash(w, 0, w.length);
    const bucket = byHash.get(key);
    if (bucket) bucket.push(index);
    else byHash.set(key, [index]);
  });
  const group = new Int32Array(texts.length).fill(-1);
  // Longest first, so a text not claimed yet is contained in no longer text: it roots a group, and
  // everything inside it (inside its pieces too) is found among its own spans.
  const order = Array.from(texts.keys()).sort((a, b) => words[b]!.length - words[a]!.length || a - b);
  for (const root of order) {
    if (group[root] !== -1) continue;
    group[root] = root;
    const w = words[root]!;
    for (let start = 0; start < w.length; start++) {
      let hash = HASH_SEED;
      for (let end = start; end < w.length && end - start < MAX_CONTAINED_WORDS; end++) {
        hash = extendHash(hash, w[end]!);
        const bucket = byHash.get(finishHash(hash, end - start + 1));
        if (!bucket) continue;
        for (const member of bucket) {
          if (group[member] === -1 && sameWords(words[member]!, w, start, end + 1)) group[member] = root;
        }
      }
    }
  }
  return group;
}

const HASH_SEED = 0x811c9dc5;

function extendHash(hash: number, word: number): number {
  return Math.imul(hash ^ word, 0x01000193);
}

function finishHash(hash: number, length: number): number {
  return Math.imul(hash ^ length, 0x5bd1e995) >>> 0;
}

function spanHash(w: Int32Array, start: number, end: number): number {
  let hash = HASH_SEED;
  for (let i = start; i < end; i++) hash = extendHash(hash, w[i]!);
  return finishHash(hash, end - start);
}

function sameWords(candidate: Int32Array, w: Int32Array, start: number, end: number): boolean {
  if (candidate.length !== end - start) return false;
  for (let i = 0; i < candidate.length; i++) if (candidate[i] !== w[start + i]) return false;
  return true;
}
