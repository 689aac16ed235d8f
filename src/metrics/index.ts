export { classificationReport, type ClassMetrics, type ClassificationReport } from './classification.js';
export { multiLabelReport, type MultiLabelReport } from './multilabel.js';
export { expectedCalibrationError } from './calibration.js';
export { meanStd } from './stats.js';
export { formatConfusion } from './format.js';
export { labelSetStrata, stratifiedKFold, stratifiedSplit, type Split } from './splits.js';
