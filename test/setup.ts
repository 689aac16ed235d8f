// Lets `npx vitest` run outside .ci/run: the shared corpora sit beside the project.
import { useSharedCorpora } from '../scripts/shared-data.js';

useSharedCorpora();
