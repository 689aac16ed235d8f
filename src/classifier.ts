/**
 * The classifier's face: what the rest of headstart (and the package, through src/index.ts) imports
 * of src/classifier/. `TextClassifier.fromMembers` is internal; the package does not export it.
 */
export { TextClassifier } from './classifier/index.js';
export type { LabelledScores, Prediction, PredictOptions, Probabilities } from './classifier/index.js';
export { defaultFitOptionsFor, type FitOptions, type Recipe } from './classifier/index.js';
export type { FitReport, MemberReport, RecipeSummary } from './classifier/index.js';
export { recipeEntries } from './classifier/index.js';
export type { TrainedState } from './classifier/index.js';
export { describeSpec } from './encoders/index.js';
