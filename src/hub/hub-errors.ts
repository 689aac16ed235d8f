/** The hub's failures as one-line environment errors naming the host, repository and file. */
import { EnvironmentError, HeadstartError } from '../errors.js';
import type { DownloadRequest } from './download.js';
import type { HubRef } from './settings.js';

/** Runs a request of @huggingface/hub, turning its failures into one-line environment errors naming the host, repo and file. */
export async function hubCall<T>(request: DownloadRequest, name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof HeadstartError) throw cause;
    const status = (cause as { statusCode?: unknown }).statusCode;
    if (status === 404) throw notFound(request, name, cause);
    const where = `${name} of ${describe(request.ref)}`;
    if (typeof status === 'number') {
      throw new EnvironmentError('HUB_HTTP_ERROR', `${request.hubUrl} answered HTTP ${status} for ${where}`, {
        cause,
        hint:
          status === 401 || status === 403
            ? 'the model is private or gated: download it by hand and pass its folder (--model-dir)'
            : 'try again later',
      });
    }
    const code = ((cause as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (cause instanceof TypeError) {
      throw new EnvironmentError(
        'HUB_UNREACHABLE',
        `cannot reach the hub at ${request.hubUrl}${code ? ` (${code})` : ''} to fetch ${where}`,
        {
          cause,
          hint: 'check the network connection, or HEADSTART_HUB_URL if you set it',
        },
      );
    }
    throw new EnvironmentError(
      'HUB_BAD_RESPONSE',
      `${request.hubUrl} gave an unexpected answer for ${where}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

export function notFound(request: DownloadRequest, name: string, cause?: unknown): EnvironmentError {
  return new EnvironmentError(
    'HUB_FILE_NOT_FOUND',
    `${name} not found in ${describe(request.ref)} on ${request.hubUrl} (HTTP 404)`,
    {
      cause,
      hint: 'check the model id and revision; headstart downloads Model2Vec models and ONNX models in the transformers.js layout (onnx/model.onnx)',
    },
  );
}

export function interrupted(
  request: DownloadRequest,
  name: string,
  got: number,
  size: number,
  reason: string,
): EnvironmentError {
  return new EnvironmentError(
    'DOWNLOAD_INTERRUPTED',
    `download of ${name} of ${describe(request.ref)} stopped after ${got} of ${size} bytes (${reason})`,
    {
      hint: 'run again: the download resumes where it stopped',
    },
  );
}

export function describe(ref: HubRef): string {
  return `${ref.repo}@${ref.revision}`;
}
