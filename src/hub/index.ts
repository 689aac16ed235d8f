/** Public face of hub/: what other folders of src/ may import. */
export { downloadModel } from './download.js';
export { hasManifest, recordedHashes, verifyCachedModel } from './manifest.js';
export {
  ALLOW_DOWNLOAD_ADVICE,
  cachedModelDir,
  cacheRoot,
  DOWNLOAD_NEEDS_HUB_ID,
  downloadAllowed,
  hubUrl,
  parseHubRef,
} from './settings.js';
