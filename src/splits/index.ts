/** Public face of splits/: seeded stratified train/test splits, k-fold, and near-duplicate groups. */
export { containmentGroups } from './containment.js';
export { groupedStratifiedSplit } from './grouped.js';
export { labelSetStrata, stratifiedKFold, stratifiedSplit, type Split } from './stratified.js';
