import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as TusServer } from '@tus/server';
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
    server = new TusServer({
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
