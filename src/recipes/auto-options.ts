/** The options of the `auto` recipe and the report of what it chose. */
import type { FitOptions, FitReport } from '../classifier.js';
import type { EmbeddingCache } from '../embedding-cache.js';
import type { Encoder, EncoderChoice, EncoderLoadOptions, EncoderSpec } from '../encoders/index.js';
import type { LabelTexts } from '../members/index.js';
import type { StudentChoice } from './auto-student.js';
import type { WorkEstimate } from './work-budget.js';

export interface AutoOptions extends EncoderLoadOptions {
  /** The pretrained encoder (default potion). */
  encoder?: EncoderChoice | EncoderSpec | Encoder;
  cache?: EmbeddingCache | undefined;
  /**
   * A wall-clock budget for the fused training, in seconds: past it fine-tuning, then TF-IDF, is
   * dropped, so the model depends on how busy the machine is. Without it (the default) the members
   * are chosen before training from counted work (work-budget.ts): reproducible.
   */
  budgetSeconds?: number | undefined;
  /** Options for the pretrained encoder's head (shared ones such as seed also reach the TF-IDF head). */
  fit?: FitOptions;
  /** Fewer training texts than this are too few to choose a mix on held-out rows (default 500): see few-shot.ts. */
  minFusionExamples?: number;
  /** What stands for each label in the few-shot label-similarity prior (default: the label names as words). */
  labelTexts?: LabelTexts | undefined;
  /**
   * Distil a fused ensemble into one fast student, kept when it scores as well on held-out rows
   * (auto-student.ts). Off by default: on SST-2 it kept a student 0.017 macro-F1 below the ensemble on the
   * dev set, whose texts the held-out rows do not resemble (docs/decisions/auto-recipe.md).
   */
  student?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onStage?: (message: string) => void;
}

export interface AutoReport {
  recipe: 'auto';
  /** 'pretrained', 'fine-tuned' (the pretrained encoder with its table tuned), 'tfidf', 'fusion' or 'student' (distilled from the fusion). */
  chosen: string;
  reason: string;
  weights: number[];
  encoders: string[];
  /** The wall-clock budget the user gave, when one was given. */
  budgetSeconds?: number;
  /** Without a wall-clock budget: the counted work the members were chosen by. */
  work?: WorkEstimate;
  seconds: number;
  /** The fit of the ensemble (the student's teacher, when the student was kept). */
  fit: FitReport;
  /** The distilled student's held-out check, when one was trained. */
  student?: StudentChoice;
}
