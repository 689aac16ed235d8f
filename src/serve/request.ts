/** Reading a `POST /v1/classify` body: JSON bytes in, the texts and settings out, or a 4xx refusal. */
import { isUtf8 } from 'node:buffer';
import { DataError } from '../errors.js';
import { Refusal } from './refusal.js';

export interface RequestLimits {
  /** Texts one request may carry. */
  maxTexts: number;
}

export interface ClassifyRequest {
  texts: string[];
  topK: number;
  model?: string | undefined;
  /** Per text: it held bytes that are not UTF-8, read as U+FFFD. */
  invalidUtf8: boolean[];
}

const FIELDS = new Set(['texts', 'top_k', 'model']);

/**
 * JSON.parse of the body. Invalid UTF-8 is read as U+FFFD and flagged, as `predict` does; JSON
 * does not say which string the bad bytes were in, so every text holding a U+FFFD is flagged.
 */
export function parseBody(bytes: Buffer): { value: unknown; invalidUtf8: boolean } {
  const invalidUtf8 = !isUtf8(bytes);
  try {
    return { value: JSON.parse(bytes.toString('utf8')), invalidUtf8 };
  } catch (error) {
    throw new Refusal(
      400,
      new DataError('REQUEST_JSON_INVALID', `the request body is not valid JSON (${(error as Error).message})`, {
        hint: 'send a JSON object such as {"texts": ["..."]}',
      }),
    );
  }
}

/** The body's shape and limits; `top_k` is checked against the model's labels once the model is known (`checkTopK`). */
export function readClassifyRequest(body: unknown, invalidUtf8Body: boolean, limits: RequestLimits): ClassifyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw shape(`the body is ${describe(body)}, not a JSON object`);
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0)
    throw shape(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => JSON.stringify(key)).join(', ')}`,
    );
  const { texts, top_k: topK = 1, model } = record;
  if (!Array.isArray(texts))
    throw shape(
      texts === undefined ? 'the field "texts" is missing' : `"texts" is ${describe(texts)}, not an array of strings`,
    );
  if (texts.length === 0) throw shape('"texts" is empty');
  if (texts.length > limits.maxTexts) {
    throw new Refusal(
      400,
      new DataError(
        'REQUEST_TOO_MANY_TEXTS',
        `${texts.length} texts in one request; at most ${limits.maxTexts} are allowed`,
        { hint: 'split the texts over several requests (or start the server with a larger --max-texts)' },
      ),
    );
  }
  const index = texts.findIndex((text) => typeof text !== 'string');
  if (index >= 0)
    throw new Refusal(
      400,
      new DataError('TEXT_NOT_STRING', `${describe(texts[index])}, not a string`, {
        location: { index, field: 'texts' },
      }),
    );
  if (model !== undefined && typeof model !== 'string') throw shape(`"model" is ${describe(model)}, not a string`);
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1) throw topKRefusal(topK, 'an integer >= 1');
  const strings = texts as string[];
  return {
    texts: strings,
    topK,
    model,
    invalidUtf8: strings.map((text) => invalidUtf8Body && text.includes('\uFFFD')),
  };
}

export function checkTopK(topK: number, labels: number): void {
  if (topK > labels) throw topKRefusal(topK, `an integer from 1 to ${labels} (the model's labels)`);
}

function topKRefusal(topK: unknown, range: string): Refusal {
  return new Refusal(
    400,
    new DataError('TOP_K_OUT_OF_RANGE', `"top_k" is ${JSON.stringify(topK)}; it must be ${range}`),
  );
}

function shape(message: string): Refusal {
  return new Refusal(
    400,
    new DataError('REQUEST_BODY_INVALID', message, {
      hint: 'send {"texts": ["..."], "top_k": 1, "model": "NAME"} (top_k and model optional)',
    }),
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
