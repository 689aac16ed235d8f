/**
 * `parseTokenizer` counts the vocabulary and finds its largest id from the library's id-to-token array
 * instead of copying it with `get_vocab(true)` (issue 23: start-up). The two must agree, on the real
 * tokenizers and on odd ones, for `TOKENIZER_TABLE_MISMATCH` to accept and refuse what it did.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTokenizer } from '../src/encoders/static/model-files.js';
import { potionDir, repoRoot } from './helpers.js';

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}
interface TokenizerJson {
  added_tokens: AddedToken[];
  model: { type: string; vocab: Record<string, number> | [string, number][]; unk_token?: string; unk_id?: number };
}

const tinyBert = path.join(repoRoot, 'test/fixtures/tiny-bert/tokenizer.json');

function readJson(file: string): TokenizerJson {
  return JSON.parse(readFileSync(file, 'utf8')) as TokenizerJson;
}

function expectCountsOfGetVocab(json: TokenizerJson): { vocabularySize: number; largestId: number } {
  const parsed = parseTokenizer(Buffer.from(JSON.stringify(json)), 'tokenizer.json');
  const vocab = parsed.tokenizer.get_vocab(true);
  const counts = { vocabularySize: vocab.size, largestId: Math.max(-1, ...vocab.values()) };
  expect({ vocabularySize: parsed.vocabularySize, largestId: parsed.largestId }).toEqual(counts);
  return counts;
}

/** tiny-bert's tokenizer changed by `edit`: a WordPiece vocabulary of 2,125 tokens, ids 0-4 also added tokens. */
function tinyBertWith(edit: (json: TokenizerJson & { model: { vocab: Record<string, number> } }) => void) {
  const json = readJson(tinyBert) as TokenizerJson & { model: { vocab: Record<string, number> } };
  edit(json);
  return json;
}

const added = (id: number, content: string): AddedToken => ({ id, content, special: true });

describe('the vocabulary counted without get_vocab', () => {
  it("agrees with get_vocab on potion's and tiny-bert's tokenizer.json", () => {
    expect(expectCountsOfGetVocab(readJson(path.join(potionDir, 'tokenizer.json')))).toEqual({
      vocabularySize: 29_528,
      largestId: 29_527,
    });
    expect(expectCountsOfGetVocab(readJson(tinyBert))).toEqual({ vocabularySize: 2125, largestId: 2124 });
  });

  it('agrees on added tokens beyond the vocabulary, right after it and with a gap', () => {
    expect(expectCountsOfGetVocab(tinyBertWith((json) => json.added_tokens.push(added(2125, '<new>'))))).toEqual({
      vocabularySize: 2126,
      largestId: 2125,
    });
    // The ids between hold no token: get_vocab counts them as one more entry (undefined).
    expect(expectCountsOfGetVocab(tinyBertWith((json) => json.added_tokens.push(added(2130, '<far>'))))).toEqual({
      vocabularySize: 2127,
      largestId: 2130,
    });
  });

  it('agrees on duplicates: an added token already in the vocabulary, at its id or at another', () => {
    expect(expectCountsOfGetVocab(tinyBertWith((json) => json.added_tokens.push(added(1, '[UNK]'))))).toEqual({
      vocabularySize: 2125,
      largestId: 2124,
    });
    const [word, id] = Object.entries(readJson(tinyBert).model.vocab).find(([, i]) => i === 500)!;
    expect(id).toBe(500);
    expect(expectCountsOfGetVocab(tinyBertWith((json) => json.added_tokens.push(added(2125, word))))).toEqual({
      vocabularySize: 2125,
      largestId: 2125,
    });
    // An added token taking an id of the vocabulary from the token that held it.
    expect(expectCountsOfGetVocab(tinyBertWith((json) => json.added_tokens.push(added(500, '<taken>'))))).toEqual({
      vocabularySize: 2125,
      largestId: 2124,
    });
  });

  it('agrees on a vocabulary with two tokens at one id and with an id missing', () => {
    expectCountsOfGetVocab(tinyBertWith((json) => (json.model.vocab['<twin>'] = 600)));
    expectCountsOfGetVocab(
      tinyBertWith((json) => {
        const [word] = Object.entries(json.model.vocab).find(([, i]) => i === 700)!;
        delete json.model.vocab[word];
      }),
    );
    expectCountsOfGetVocab(tinyBertWith((json) => (json.model.vocab['<last>'] = 2200)));
  });

  it('agrees on a Unigram vocabulary with a repeated token', () => {
    const vocab: [string, number][] = [
      ['<unk>', 0],
      ['▁a', -1],
      ['▁b', -2],
      ['▁a', -3],
      ['c', -4],
    ];
    const json = {
      added_tokens: [added(0, '<unk>'), added(5, '<extra>')],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      post_processor: null,
      decoder: null,
      model: { type: 'Unigram', unk_id: 0, vocab },
    };
    expect(expectCountsOfGetVocab(json)).toEqual({ vocabularySize: 5, largestId: 5 });
  });
});
