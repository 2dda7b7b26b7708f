import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS as TUS_ERRORS, Server as TusServer } from '@tus/server';
import { isId } from '../db/ids.js';
import { DomainError, InvalidInputError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { SourceStore } from './source-store.js';
import type { VideoService } from './video.service.js';

export const VIDEO_ID_HEADER = 'Reelm-Video-Id';

export interface TusUploadsDeps {
  /** Each region's upload and source store. */
  sources: Map<string, SourceStore>;
  videos: VideoService;
  log: Logger;
  /** The URL path the tus endpoint is mounted at. */
  path: string;
  maxBytes: number;
}

/** Parses tus `Upload-Metadata` (`key base64,key2 base64`); a malformed header is a 400. */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (
      !key ||
      extra !== undefined ||
      !/^[A-Za-z0-9_.-]+$/.test(key) ||
      (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    ) {
      throw new InvalidInputError(
        'upload.metadata_invalid',
        'Upload-Metadata must be "key base64value" pairs separated by commas.',
      );
    }
    out[key] = value ? Buffer.from(value, 'base64').toString('utf8') : '';
  }
  return out;
}

// tus's own error bodies (plain text) by what they mean, as stable Reelm codes.
const TUS_CODES = new Map<string, [code: string, message: string]>([
  [TUS_ERRORS.MISSING_OFFSET.body, ['upload.offset_required', 'Send the Upload-Offset header.']],
  [
    TUS_ERRORS.INVALID_CONTENT_TYPE.body,
    ['upload.content_type_invalid', 'Send PATCH bodies as application/offset+octet-stream.'],
  ],
  [TUS_ERRORS.FILE_NOT_FOUND.body, ['upload.not_found', 'There is no such upload of yours; start a new one.']],
  [
    TUS_ERRORS.INVALID_OFFSET.body,
    [
      'upload.offset_conflict',
      'Upload-Offset does not match what the server has; ask with HEAD and resume from there.',
    ],
  ],
  [TUS_ERRORS.FILE_NO_LONGER_EXISTS.body, ['upload.gone', 'This upload no longer exists; start a new one.']],
  [TUS_ERRORS.ERR_SIZE_EXCEEDED.body, ['upload.size_exceeded', 'More bytes were sent than the upload declared.']],
  [TUS_ERRORS.ERR_MAX_SIZE_EXCEEDED.body, ['media.too_large', 'This file is larger than uploads may be.']],
  [TUS_ERRORS.INVALID_LENGTH.body, ['upload.length_required', 'Send the file size in the Upload-Length header.']],
  [
    TUS_ERRORS.INVALID_METADATA.body,
    ['upload.metadata_invalid', 'Upload-Metadata must be "key base64value" pairs separated by commas.'],
  ],
  [TUS_ERRORS.ABORTED.body, ['upload.busy', 'Another request is writing to this upload; try again in a moment.']],
  [TUS_ERRORS.INVALID_TERMINATION.body, ['upload.finished', 'This upload is complete; delete the video instead.']],
  [
    TUS_ERRORS.UNSUPPORTED_CONCATENATION_EXTENSION.body,
    ['upload.concatenation_unsupported', 'Parallel (concatenated) uploads are not supported; upload in one piece.'],
  ],
  [
    TUS_ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION.body,
    ['upload.length_required', 'Send the file size in the Upload-Length header (deferred lengths are not supported).'],
  ],
  [
    TUS_ERRORS.UNSUPPORTED_EXPIRATION_EXTENSION.body,
    ['upload.expiration_unsupported', 'Upload expiration is not offered by this server.'],
  ],
]);

type ErrorBody = { error: { code: string; message: string } };
const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** tus's error answer as Reelm's `{error: {code, message}}`; a 5xx says nothing more than that it failed. */
export function tusErrorBody(status: number, body: string): ErrorBody {
  if (status >= 500 && status !== 501)
    return errorBody('internal', 'Something went wrong on our side. Try again in a moment.');
  const known = TUS_CODES.get(body);
  if (known) return errorBody(...known);
  if (status === 412) return errorBody('upload.tus_version_required', 'Send the header Tus-Resumable: 1.0.0.');
  if (body.startsWith('Invalid ')) return errorBody('upload.header_invalid', `${body.trim()} header.`);
  // Bodies Reelm itself gave tus (onUploadFinish) are already written for a person.
  return errorBody(status === 404 ? 'upload.not_found' : 'upload.invalid', body.trim() || 'The upload request failed.');
}

/** A tus server whose error answers are JSON in Reelm's one error shape (tus writes plain text). */
class JsonErrorTusServer extends TusServer {
  override async write(...[context, headers, status, body = '']: Parameters<TusServer['write']>) {
    if (status < 400) return super.write(context, headers, status, body);
    headers.set('Content-Type', 'application/json; charset=utf-8');
    return super.write(context, headers, status, JSON.stringify(tusErrorBody(status, body)));
  }
}

/**
 * tus 1.0 uploads (creation, termination) with one tus server — hence one datastore — per region: bytes go
 * only into the uploader's home cell (a FileStore folder of the cell, or S3 multipart uploads in the region's
 * bucket; see SourceStore). Upload URLs end in the clip id, and the datastore keeps each upload's offset,
 * so uploads resume across restarts and, on S3, through any API process.
 * Authentication and validation happen before a request is handed over (see media.routes.ts).
 */
export class TusUploads {
  private readonly servers = new Map<string, TusServer>();
  /** The clip id chosen for a creation request, handed to tus's naming function. */
  private readonly creating = new WeakMap<IncomingMessage, string>();

  constructor(private readonly deps: TusUploadsDeps) {}

  private server(region: string): TusServer {
    let server = this.servers.get(region);
    if (server) return server;
    const sources = this.deps.sources.get(region);
    if (!sources) throw new Error(`no source store for region ${region}`);
    server = new JsonErrorTusServer({
      path: this.deps.path,
      datastore: sources.tus,
      relativeLocation: true,
      // The URL names the clip; the datastore may name the upload differently (a key under `uploads/`).
      generateUrl: (_req, { path, id }) => `${path}/${sources.videoIdOf(id) ?? id}`,
      getFileIdFromRequest: (_req, last) => (last && isId(last) ? sources.uploadId(last) : undefined),
      maxSize: this.deps.maxBytes,
      exposedHeaders: [VIDEO_ID_HEADER],
      disableTerminationForFinishedUploads: true,
      namingFunction: (req) => {
        const node = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
        const id = node ? this.creating.get(node) : undefined;
        if (!id) throw { status_code: 500, body: 'The upload was not prepared.\n' };
        return sources.uploadId(id);
      },
      onUploadFinish: async (_req, upload) => {
        const videoId = sources.videoIdOf(upload.id) ?? upload.id;
        try {
          await this.deps.videos.uploaded(region, videoId);
        } catch (err) {
          this.deps.log.error({ err, videoId, region }, 'finishing an upload failed');
          if (err instanceof DomainError) throw { status_code: 404, body: `${err.message}\n` };
          throw { status_code: 500, body: 'Something went wrong on our side. Try again in a moment.\n' };
        }
        return { headers: { [VIDEO_ID_HEADER]: videoId } };
      },
    });
    this.servers.set(region, server);
    return server;
  }

  /** Hands a creation request to the region's tus server, with the clip id it must use. */
  async create(region: string, videoId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.creating.set(req, videoId);
    res.setHeader(VIDEO_ID_HEADER, videoId);
    await this.server(region).handle(req, res);
  }

  /** Hands any other tus request (HEAD, PATCH, DELETE, OPTIONS) to the region's tus server. */
  async handle(region: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.server(region).handle(req, res);
  }
}
