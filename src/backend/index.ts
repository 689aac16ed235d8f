/** Public face of backend/: what other folders of src/ may import. */
export { loadTf, type Tf } from './tf.js';
