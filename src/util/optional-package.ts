/**
 * Optional peer dependencies (@huggingface/transformers for transformer encoders, bullmq for
 * `--queue`, fastify and prom-client for `serve`) are imported only when their feature is used, so a default install carries neither.
 */
import { UsageError } from '../errors.js';

/** How optional packages are imported: the one seam through which tests simulate a missing package. */
export const optionalImporter = {
  import: (specifier: string): Promise<unknown> => import(specifier),
};

/**
 * Imports `specifier` (`T` is its module type, e.g. `typeof import('bullmq')`), turning "that package
 * is not installed" into a one-line error naming what to install (`install`, when the feature needs
 * more than this one package). Any other failure, including a missing package that the optional one
 * itself needs, is rethrown unchanged.
 */
export async function importOptional<T>(specifier: string, feature: string, install = specifier): Promise<T> {
  try {
    return (await optionalImporter.import(specifier)) as T;
  } catch (error) {
    if (!isMissingPackage(error, specifier)) throw error;
    throw new UsageError(
      'OPTIONAL_PACKAGE_MISSING',
      `${feature} needs the optional package ${specifier}, which is not installed: npm install ${install}`,
      {
        cause: error,
      },
    );
  }
}

function isMissingPackage(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Node names the package it could not find: "Cannot find package 'bullmq' imported from ...".
  return typeof message === 'string' && message.includes(`'${specifier}'`);
}
