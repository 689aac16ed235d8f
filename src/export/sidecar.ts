/**
 * `headstart-onnx.json`, written beside an exported graph: the labels, the graph's input and output
 * names, and exactly how StaticEncoder.tokenize turns a text into the ids the graph reads.
 */
import { CHARS_PER_TOKEN, WHITESPACE_SEARCH_CHARS } from '../encoders/index.js';
import { LIBRARY_VERSION } from '../version.js';
import { ATTENTION_MASK, INPUT_IDS, OPSET, OUTPUT } from './onnx-graph.js';
import type { ExportPlan } from './plan.js';

export const SIDECAR_FILE = 'headstart-onnx.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const SIDECAR_FORMAT = 'headstart-onnx';

export interface OnnxSidecar {
  format: typeof SIDECAR_FORMAT;
  version: 1;
  /** The graph's file name, in the same directory. */
  model: string;
  opset: number;
  labels: string[];
  /** Multi-label: sigmoid outputs, a label is predicted when its probability reaches its threshold. */
  multiLabel: boolean;
  thresholds?: number[];
  inputs: { ids: string; mask: string };
  output: string;
  tokenizer: {
    file: string;
    /** `Tokenizer.encode(text, { add_special_tokens: false })`: no [CLS] / [SEP]. */
    addSpecialTokens: false;
    /** Before tokenising, a text longer than this many UTF-16 code units is cut, as `cut` says. */
    maxChars: number;
    cutSearchChars: number;
    cut: string;
    /** Ids dropped from the encoding (the unknown token's), before truncation. */
    dropIds: number[];
    /** The first this many of the remaining ids are kept. */
    maxTokens: number;
    /** Shorter rows of a batch are padded with this id and attention_mask 0; a row with no ids is all padding, and gets the head's output for a zero vector. */
    padId: number;
  };
  /** `checkpoint` is the exported checkpoint's directory name (no path: the export may be shipped). */
  source: { checkpoint: string; libraryVersion: string; exportedAt: string };
}

export function sidecarFor(plan: ExportPlan, modelFile: string, checkpoint: string): OnnxSidecar {
  return {
    format: SIDECAR_FORMAT,
    version: 1,
    model: modelFile,
    opset: OPSET,
    labels: plan.labels,
    multiLabel: plan.multiLabel,
    ...(plan.thresholds && { thresholds: Array.from(plan.thresholds) }),
    inputs: { ids: INPUT_IDS, mask: ATTENTION_MASK },
    output: OUTPUT,
    tokenizer: {
      file: TOKENIZER_FILE,
      addSpecialTokens: false,
      maxChars: plan.tokenizer.maxTokens * CHARS_PER_TOKEN,
      cutSearchChars: WHITESPACE_SEARCH_CHARS,
      cut: 'text.slice(0, i) for the largest i with maxChars - cutSearchChars < i <= maxChars and text[i] matching the JavaScript regex /\\s/; if there is none, text.slice(0, maxChars), one unit shorter when that would end in a high surrogate',
      dropIds: plan.tokenizer.unknownId >= 0 ? [plan.tokenizer.unknownId] : [],
      maxTokens: plan.tokenizer.maxTokens,
      padId: 0,
    },
    source: { checkpoint, libraryVersion: LIBRARY_VERSION, exportedAt: new Date().toISOString() },
  };
}

/** The model file an existing sidecar belongs to, or undefined when `text` is not one of ours. */
export function sidecarModel(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as Partial<OnnxSidecar>;
    return json.format === SIDECAR_FORMAT && typeof json.model === 'string' ? json.model : undefined;
  } catch {
    return undefined;
  }
}
