export { classificationReport, type ClassMetrics, type ClassificationReport } from './classification.js';
export { multiLabelReport, type MultiLabelReport } from './multilabel.js';
export { expectedCalibrationError, reliabilityBins, type ReliabilityBin } from './calibration.js';
export { expectedMacroF1 } from './expected-f1.js';
export { meanStd } from './stats.js';
export { formatConfusion } from './format.js';
