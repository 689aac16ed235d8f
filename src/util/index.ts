/** Public face of util/: what other folders of src/ may import. */
export { writeFileAtomically } from './atomic-file.js';
export { definedOnly } from './defined.js';
export { eventLoopCheckpoint } from './event-loop.js';
export { asFileSource, filesInMemory, type FileSource } from './file-source.js';
export { acquireLock, type Lock, lockPath } from './lock-file.js';
export { importOptional } from './optional-package.js';
export { printable } from './printable.js';
export { createRng, type Rng, shuffleInPlace } from './random.js';
export { topIndices } from './top-indices.js';
