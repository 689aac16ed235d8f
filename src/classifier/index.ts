/** Public face of classifier/: what other folders of src/ may import. */
export { TextClassifier } from './classifier.js';
export type { LabelledScores, Prediction, PredictOptions, Probabilities } from './decide.js';
export type { TrainedState } from './fit.js';
export { defaultFitOptionsFor, type EarlyStoppedMix, type FitOptions, type Recipe } from './options.js';
export { type FitReport, type MemberReport, type RecipeSummary, recipeEntries, recordParts } from './report.js';
