/** The teacher's probabilities of the texts a student learns from. */
import type { TextClassifier } from '../classifier.js';

/** Texts the teacher classifies per call: bounds the memory of its embeddings (dense TF-IDF rows are wide). */
const LABEL_CHUNK = 4096;

export async function teacherProbabilitiesOf(
  teacher: TextClassifier,
  texts: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Float32Array> {
  const numLabels = teacher.labels.length;
  const out = new Float32Array(texts.length * numLabels);
  for (let start = 0; start < texts.length; start += LABEL_CHUNK) {
    const { data } = await teacher.predictProba(texts.slice(start, start + LABEL_CHUNK), { signal });
    out.set(data, start * numLabels);
  }
  return out;
}
