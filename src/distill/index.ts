/** Public face of distill/: what other folders of src/ may import. */
export type { Comparison, SideReport } from './compare.js';
export { DEFAULT_HOLD_OUT, DEFAULT_TEMPERATURE, distill, type DistillOptions, type DistillReport } from './distill.js';
export { studentRecord } from './record.js';
export { softenProbabilities } from './soften.js';
export { trainStudent, type StudentFitOptions } from './student.js';
export { teacherProbabilitiesOf } from './teacher.js';
