/**
 * The classifier's face: what the rest of headstart (and the package, through src/index.ts) imports
 * of src/classifier/. `TextClassifier.fromMembers` is internal; the package does not export it.
 */
export { TextClassifier } from './classifier/classifier.js';
export type { LabelledScores, Prediction, PredictOptions, Probabilities } from './classifier/decide.js';
export { defaultFitOptionsFor, type FitOptions, type Recipe } from './classifier/options.js';
export type { FitReport, MemberReport, RecipeSummary } from './classifier/report.js';
export type { TrainedState } from './classifier/fit.js';
export { describeSpec } from './encoders/describe.js';
