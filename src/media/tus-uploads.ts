import type { IncomingMessage, ServerResponse } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { DomainError, InvalidInputError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { CellRegistry } from '../regions/cells.js';
import { mediaPaths } from './media-paths.js';
import type { VideoService } from './video.service.js';

export const VIDEO_ID_HEADER = 'Reelm-Video-Id';

export interface TusUploadsDeps {
  cells: CellRegistry;
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
    if (!key || extra !== undefined || !/^[A-Za-z0-9_.-]+$/.test(key) || (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))) {
      throw new InvalidInputError('upload.metadata_invalid', 'Upload-Metadata must be "key base64value" pairs separated by commas.');
    }
    out[key] = value ? Buffer.from(value, 'base64').toString('utf8') : '';
  }
  return out;
}

/**
 * tus 1.0 uploads (creation, termination) with one tus server — hence one FileStore folder — per region:
 * bytes go only into the uploader's home cell (`<cell.dir>/uploads/`). Upload ids are the clip ids, and the
 * FileStore keeps each upload's offset in a `.json` file beside it, so uploads resume across restarts.
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
    const dir = mediaPaths.uploads(this.deps.cells.get(region).dir);
    server = new TusServer({
      path: this.deps.path,
      datastore: new FileStore({ directory: dir }),
      relativeLocation: true,
      maxSize: this.deps.maxBytes,
      exposedHeaders: [VIDEO_ID_HEADER],
      disableTerminationForFinishedUploads: true,
      namingFunction: (req) => {
        const node = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
        const id = node ? this.creating.get(node) : undefined;
        if (!id) throw { status_code: 500, body: 'The upload was not prepared.\n' };
        return id;
      },
      onUploadFinish: async (_req, upload) => {
        try {
          await this.deps.videos.uploaded(region, upload.id, join(dir, upload.id));
          await rm(join(dir, `${upload.id}.json`), { force: true });
        } catch (err) {
          this.deps.log.error({ err, videoId: upload.id, region }, 'finishing an upload failed');
          if (err instanceof DomainError) throw { status_code: 404, body: `${err.message}\n` };
          throw { status_code: 500, body: 'Something went wrong on our side. Try again in a moment.\n' };
        }
        return { headers: { [VIDEO_ID_HEADER]: upload.id } };
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
