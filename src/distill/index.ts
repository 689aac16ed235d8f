/** Public face of distill/: what other folders of src/ may import. */
export type { Comparison, SideReport } from './compare.js';
export { DEFAULT_HOLD_OUT, DEFAULT_TEMPERATURE, distill, type DistillOptions, type DistillReport } from './distill.js';
export type { StudentFitOptions } from './student.js';
