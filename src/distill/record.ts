/** The training record of a distilled student's checkpoint. */
import { describeSpec, type TextClassifier } from '../classifier.js';
import { recordParts } from '../classifier/index.js';
import { argmaxRows, type SoftTargets } from '../heads/index.js';
import type { StudentTraining } from './student.js';

/** What the student's checkpoint records about its training (the model card shows data, options and epochs). */
export function studentRecord(
  trained: StudentTraining,
  teacher: TextClassifier,
  targets: SoftTargets,
  distillation: { temperature: number; alpha: number; labelledTexts: number; unlabeledTexts: number },
): Record<string, unknown> {
  const numLabels = teacher.labels.length;
  const labelCounts = Object.fromEntries(teacher.labels.map((label) => [label, 0]));
  for (const index of argmaxRows(targets.probabilities, numLabels)) {
    const label = teacher.labels[index]!;
    labelCounts[label] = (labelCounts[label] ?? 0) + 1;
  }
  const {
    trained: described,
    epochs,
    timings,
  } = recordParts(trained, trained.options, labelCounts, trained.trainSeconds);
  return {
    recipe: 'distill',
    ...described,
    distillation: { teacher: teacher.encoders.map((e) => describeSpec(e.spec)), ...distillation },
    ...epochs,
    timings,
  };
}
