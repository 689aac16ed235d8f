// Lets `npx vitest` run outside .ci/run: the shared model and corpora sit beside the project.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared');
process.env.HEADSTART_MODELS ??= path.join(shared, 'models');
process.env.HEADSTART_CORPORA ??= path.join(shared, 'corpora');
