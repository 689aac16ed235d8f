// Lets `npx vitest` run outside .ci/run: the shared model and corpora sit beside the project.
import { useSharedDataDefaults } from '../src/shared-data.js';

useSharedDataDefaults();
