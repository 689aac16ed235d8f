/** Face of heads/sparse/: the linear head over sparse (CSR) rows, fitted by L-BFGS. */
export { SparseLinearHead } from './linear.js';
export { readSparseParameters } from './persist.js';
