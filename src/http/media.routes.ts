import { requireMayPost } from '../accounts/account-rules.js';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { isId, newId } from '../db/ids.js';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { openToAnyone, stateOf } from '../media/clip-access.js';
import { mediaPaths } from '../media/media-paths.js';
import { keyParts } from '../media/media-store.js';
import type { ProcessingEvent } from '../media/processing-events.js';
import { parseUploadMetadata } from '../media/tus-uploads.js';
import { CAPTIONS_MAX_BYTES } from '../media/captions.js';
import { VideoPageSchema, VideoSchema } from '../media/video.schema.js';
import { addRawBodyParsers, rawBody, type RawBodyRule } from './raw-body.js';
import type { Auth } from './auth.js';
import { errorBody } from './errors.js';
import { HandleParams, IdParams, PageQuery, errors } from './schemas.js';

const VideoPatchBody = Type.Object(
  {
    caption: Type.Optional(Type.String({ maxLength: 20_000 })),
    visibility: Type.Optional(Type.String({ maxLength: 64 })),
    allowDuets: Type.Optional(Type.Boolean()),
    allowStitches: Type.Optional(Type.Boolean()),
    allowComments: Type.Optional(Type.Boolean()),
    /** false publishes a draft or scheduled clip now; true takes the clip back to drafts. */
    draft: Type.Optional(Type.Boolean()),
    /** Schedules the clip (ISO time, ≤ 30 days ahead); null makes a scheduled clip a draft again. */
    publishAt: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    /** The moment (ms) the poster is taken from: 0 ≤ coverMs ≤ durationMs. */
    coverMs: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

const CaptionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  lang: Type.String({ minLength: 1, maxLength: 64 }),
});

const CAPTION_BODY: RawBodyRule = {
  types: ['text/vtt'],
  maxBytes: CAPTIONS_MAX_BYTES,
  tooLarge: { code: 'captions.too_large', message: 'A caption file has at most 256 KB.' },
  wrongType: { code: 'captions.content_type', message: 'Send the captions as WebVTT, with Content-Type: text/vtt.' },
};

const SSE_POLL_MS = 500;
const SSE_KEEPALIVE_MS = 15_000;

function tooLarge(max: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    'media.too_large',
    `This file is too large; the largest file you can upload is ${Math.floor(max / 1024 ** 2)} MB.`,
    { limit: max },
  );
}

/** `/api/v1` media routes: tus uploads, multipart uploads, clips, their progress events and users' clip lists. */
export async function mediaRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  // Encapsulated, so the multipart and tus body parsers apply to these routes only.
  await app.register(async (scoped) => registerMediaRoutes(scoped, ctx, auth));
}

async function registerMediaRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const { videos, uploads, ffmpeg, access, presenter } = ctx.media;
  const limits = ctx.config.limits;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  // tus PATCH bodies are streamed by the tus server itself, straight into the cell's upload folder.
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null, undefined));
  await app.register(fastifyMultipart, {
    limits: { fileSize: limits.multipartMaxBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12 },
  });

  const tus = async (request: FastifyRequest, reply: FastifyReply) => {
    const method = request.method;
    if (method === 'OPTIONS') {
      reply.hijack();
      return uploads.handle(ctx.cells.regions()[0]!, request.raw, reply.raw);
    }
    const me = await auth.requireUser(request);
    await ffmpeg.require();
    const id = (request.params as { id?: string }).id;
    if (method === 'POST') {
      requireMayPost(me, ctx.clock.now());
      await ctx.accountEmails.requireVerifiedToUpload(me);
      if (id !== undefined) throw new NotFoundError('not_found', 'Create uploads at /api/v1/uploads.');
      const length = request.headers['upload-length'];
      if (typeof length !== 'string' || !/^\d{1,16}$/.test(length)) {
        throw new InvalidInputError(
          'upload.length_required',
          'Send the file size in the Upload-Length header (deferred lengths are not supported).',
        );
      }
      if (Number(length) > limits.uploadMaxBytes) throw tooLarge(limits.uploadMaxBytes);
      if (Number(length) === 0)
        throw new InvalidInputError('media.corrupt', 'The file is empty (0 bytes). Choose a video file.');
      await ctx.media.sweeper.requireUploadSlot(me, ctx.config.uploadsOpenMax);
      const header = request.headers['upload-metadata'];
      const meta = parseUploadMetadata(typeof header === 'string' ? header : undefined);
      const row = await videos.create(me, {
        caption: meta.caption,
        visibility: meta.visibility,
        filename: meta.filename,
        soundId: meta.soundId,
        duetOf: meta.duetOf,
        layout: meta.layout,
        stitchOf: meta.stitchOf,
        stitchMs: meta.stitchMs,
        draft: meta.draft,
        publishAt: meta.publishAt,
      });
      reply.hijack();
      try {
        await uploads.create(me.region, row.id, request.raw, reply.raw);
      } finally {
        if (reply.raw.statusCode !== 201) await videos.abandon(me.region, row.id);
      }
      return;
    }
    // Only the uploader reaches their upload, and only in their own cell's store.
    if (!id || !isId(id))
      throw new NotFoundError('upload.not_found', 'There is no such upload of yours; start a new one.');
    await videos.upload(me, id);
    if (method === 'DELETE') {
      // tus termination, done here so that the clip is gone before the answer is sent.
      await videos.cancelUpload(me, id);
      return reply.status(204).header('tus-resumable', '1.0.0').send();
    }
    reply.hijack();
    await uploads.handle(me.region, request.raw, reply.raw);
  };
  const tusSchema = { schema: { hide: true } };
  app.route({ method: ['POST', 'OPTIONS'], url: '/uploads', ...tusSchema, handler: tus });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS', 'POST'],
    url: '/uploads/:id',
    ...tusSchema,
    handler: tus,
  });

  api.post(
    '/videos',
    {
      schema: {
        tags: ['media'],
        summary:
          'Upload a small clip in one multipart request (fields: file, caption, visibility, soundId, duetOf, layout, ' +
          'stitchOf, stitchMs); larger files use tus at /uploads',
        consumes: ['multipart/form-data'],
        response: {
          202: Type.Object({ id: Type.String(), status: Type.String() }),
          ...errors(400, 401, 403, 404, 409, 413, 503),
        },
      },
    },
    async (request, reply) => {
      const me = await auth.requireUser(request);
      requireMayPost(me, ctx.clock.now());
      await ctx.accountEmails.requireVerifiedToUpload(me);
      await ffmpeg.require();
      if (!request.isMultipart())
        throw new InvalidInputError(
          'request.multipart_required',
          'Send the video as multipart/form-data with a "file" field.',
        );
      const declared = Number(request.headers['content-length'] ?? 0);
      // A body can exceed the file by its boundaries and fields, never by more than this.
      if (declared > limits.multipartMaxBytes + 256 * 1024) throw tooLarge(limits.multipartMaxBytes);
      const cell = ctx.cells.get(me.region);
      const id = newId();
      const tmp = join(mediaPaths.uploads(cell.dir), `.mp-${id}`);
      const fields: Record<string, string> = {};
      let size = -1;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file' || size >= 0) {
              part.file.resume();
              throw new InvalidInputError('request.invalid', 'Send exactly one file, in the field "file".');
            }
            await mkdir(mediaPaths.uploads(cell.dir), { recursive: true });
            size = 0;
            part.file.on('data', (chunk: Buffer) => (size += chunk.length));
            await pipeline(part.file, createWriteStream(tmp));
            if (part.file.truncated) throw tooLarge(limits.multipartMaxBytes);
          } else if (typeof part.value === 'string') {
            fields[part.fieldname] = part.value;
          }
        }
        if (size < 0)
          throw new InvalidInputError('video.file_required', 'The multipart body has no "file" field with the video.');
        if (size === 0)
          throw new InvalidInputError('media.corrupt', 'The file is empty (0 bytes). Choose a video file.');
        videos.checkInput(fields);
        await videos.create(me, fields, { id });
        await videos.uploaded(me.region, id, tmp);
      } catch (err) {
        await rm(tmp, { force: true });
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(limits.multipartMaxBytes);
        throw err;
      }
      return reply.status(202).send({ id, status: 'processing' });
    },
  );

  api.get(
    '/videos/:id',
    {
      schema: {
        tags: ['media'],
        summary: 'A clip, if you may see it',
        params: IdParams,
        response: { 200: VideoSchema, ...errors(404) },
      },
    },
    async (request) => {
      const viewer = await auth.optionalUser(request);
      const clip = await access.locate(request.params.id, viewer);
      // The presenter applies the rule: a clip this viewer may not see is the same 404 as one that does not exist.
      const [video] = clip ? await presenter.present(viewer, [clip]) : [];
      if (!video) throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
      return video;
    },
  );

  api.patch(
    '/videos/:id',
    {
      schema: {
        tags: ['media'],
        summary:
          'Edit your clip: caption, visibility, draft or schedule, cover frame, whether others may duet, stitch or comment',
        params: IdParams,
        body: VideoPatchBody,
        response: { 200: VideoSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      const clip = await videos.update(request.params.id, me, request.body);
      return (await presenter.present(me, [clip]))[0]!;
    },
  );

  api.delete(
    '/videos/:id',
    {
      schema: {
        tags: ['media'],
        summary: 'Delete your clip and all its media',
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await videos.delete(request.params.id, await auth.requireUser(request));
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/me/drafts',
    {
      schema: {
        tags: ['media'],
        summary: 'Your drafts and scheduled clips, newest first (only you see them)',
        querystring: PageQuery,
        response: { 200: VideoPageSchema, ...errors(400, 401) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      const page = await videos.drafts(me, request.query);
      return { items: await presenter.present(me, page.clips), cursor: page.cursor };
    },
  );

  // WebVTT bodies, in a scope of their own so that only these routes take them.
  await app.register(async (scoped) => {
    addRawBodyParsers(scoped, CAPTION_BODY);
    const captionsApi = scoped.withTypeProvider<TypeBoxTypeProvider>();
    captionsApi.put(
      '/videos/:id/captions/:lang',
      {
        schema: {
          tags: ['media'],
          summary: 'Add or replace your clip’s WebVTT captions in one language (Content-Type: text/vtt, ≤ 256 KB)',
          consumes: ['text/vtt'],
          params: CaptionParams,
          response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409, 413, 415) },
        },
      },
      async (request, reply) => {
        const me = await auth.requireUser(request);
        const body = rawBody(request, CAPTION_BODY);
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(body);
        } catch {
          throw new InvalidInputError('captions.invalid', 'This is not valid WebVTT: the file is not UTF-8 text.');
        }
        await ctx.media.captions.put(request.params.id, me, request.params.lang, text);
        return reply.status(204).send(null);
      },
    );
    captionsApi.delete(
      '/videos/:id/captions/:lang',
      {
        schema: {
          tags: ['media'],
          summary: 'Remove your clip’s captions in one language',
          params: CaptionParams,
          response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const me = await auth.requireUser(request);
        await ctx.media.captions.remove(request.params.id, me, request.params.lang);
        return reply.status(204).send(null);
      },
    );
  });

  api.get(
    '/users/:handle/videos',
    {
      schema: {
        tags: ['media'],
        summary: "A user's clips, newest first: public ones for everyone, all of them for the user",
        params: HandleParams,
        querystring: PageQuery,
        response: { 200: VideoPageSchema, ...errors(400, 404) },
      },
    },
    async (request) => {
      const viewer = await auth.optionalUser(request);
      const page = await videos.listByUser(request.params.handle, viewer, request.query);
      return { items: await presenter.present(viewer, page.clips), cursor: page.cursor };
    },
  );

  api.get(
    '/videos/:id/events',
    {
      schema: {
        tags: ['media'],
        summary: 'Server-Sent Events of a clip’s processing: `status` {status, error?} and `progress` {progress}',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const viewer = await auth.optionalUser(request);
      const found = await access.require(request.params.id, viewer);
      const { region, id } = found;
      const row = found.from === 'cell' ? found.row : await videos.row(region, id);
      if (!row) throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let status = '';
      let progress = -1;
      let closed = false;
      const send = (event: string, data: unknown) => {
        if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(poll);
        clearInterval(keepalive);
        res.end();
      };
      const onEvent = (e: ProcessingEvent) => {
        if (e.type === 'progress') {
          if (e.progress > progress && (status === 'processing' || status === 'uploading')) {
            progress = e.progress;
            send('progress', { progress });
          }
          return;
        }
        if (e.status === status) return;
        status = e.status;
        send('status', e.error ? { status, error: e.error } : { status });
        if (status === 'ready' || status === 'failed') close();
      };
      const fromRow = (r: typeof row | undefined) => {
        if (!r) {
          onEvent({
            type: 'status',
            status: 'failed',
            error: { code: 'video.not_found', message: 'This video was deleted.' },
          });
          return;
        }
        const error =
          r.status === 'failed'
            ? { code: r.error_code ?? 'media.failed', message: r.error_message ?? 'This video could not be processed.' }
            : undefined;
        onEvent(error ? { type: 'status', status: r.status, error } : { type: 'status', status: r.status });
        if (!closed && r.progress > progress) onEvent({ type: 'progress', progress: r.progress });
      };
      const unsubscribe = ctx.media.processing.subscribe(id, onEvent);
      // Workers may run in another process: the row is the source of truth, the emitter only makes it prompt.
      // Each read asks the rule again: a viewer who may no longer see the clip hears nothing more of it.
      const poll = setInterval(() => {
        void (async () => {
          const clip = await access.inCell(region, id);
          if (clip && !(await access.canView(viewer, clip))) return close();
          fromRow(clip?.row);
        })().catch(() => undefined);
      }, SSE_POLL_MS);
      const keepalive = setInterval(() => !closed && res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
      request.raw.on('close', close);
      fromRow(row);
    },
  );
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mp4: 'video/mp4',
  m4s: 'video/iso.segment',
  jpg: 'image/jpeg',
  m4a: 'audio/mp4',
  vtt: 'text/vtt; charset=utf-8',
};

/** Parses a single `bytes=` range against a size; undefined = serve it all; 'unsatisfiable' = 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or another unit: a 200 with the whole file is a valid answer.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** How long a CDN or browser may keep what it fetched (docs/architecture.md, "Media and caches"). */
export const MEDIA_CACHE = {
  /** Playlists of clips open to anyone: the entry point, so a narrowed audience shows within a minute. */
  openPlaylist: 'public, max-age=60',
  /** Segments, init and poster under an open clip's keyed path, which stops resolving when access narrows. */
  openKeyed: 'public, max-age=86400, immutable',
  /** Anything fetched by the bare path `/media/<region>/<id>/…`, which carries no key. */
  openBare: 'public, max-age=60',
  /** Signed links: for the viewer's browser only. */
  signedPlaylist: 'private, no-cache',
  signed: 'private, max-age=3600',
};

/**
 * `/media/<region>/<videoId>/…`: a clip's published files, with Range support, served only as the access rule
 * allows right now. A clip open to anyone is served under its keyed path (and, with short caching, its bare path);
 * any other clip only under a signed prefix whose signature covers the clip's current media epoch (see MediaUrls).
 * Keys are checked part by part, so nothing outside the clip's folder can be named.
 */
export async function mediaFileRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { videos, urls, access } = ctx.media;
  const notFound = (reply: FastifyReply) =>
    reply.status(404).send(errorBody('media.not_found', 'There is no such media file.'));

  app.get('/media/:region/:id/*', { schema: { hide: true } }, async (request, reply) => {
    const { region, id, '*': rest } = request.params as { region: string; id: string; '*': string };
    if (!ctx.cells.has(region) || !isId(id)) return notFound(reply);
    let parts = rest.split('/');
    const kind = urls.kind(parts[0] ?? '');
    const clip = await access.inCell(region, id);
    if (!clip) return notFound(reply);
    const epoch = { clip: clip.row.media_epoch, owner: clip.ownerEpoch };
    if (kind === 'signed') {
      const token = urls.checkToken(region, id, epoch, parts[0]!);
      if (token === 'expired')
        return reply
          .status(403)
          .send(errorBody('media.link_expired', 'This link has expired; reload the video to get a new one.'));
      if (token === 'invalid')
        return reply
          .status(403)
          .send(
            errorBody('media.link_invalid', 'This link does not work (any more); reload the video to get a new one.'),
          );
    } else {
      // No signature: only while anyone may see the clip, and a keyed path only at the clip's current epoch.
      if (!openToAnyone(stateOf(clip))) return notFound(reply);
      if (kind === 'keyed' && !urls.checkKey(region, id, epoch, parts[0]!)) return notFound(reply);
    }
    if (kind !== 'bare') parts = parts.slice(1);
    const key = [id, ...parts].join('/');
    try {
      keyParts(key);
    } catch {
      return notFound(reply);
    }
    const store = videos.store(region);
    const size = await store.size(key);
    if (size === undefined) return notFound(reply);

    const range = parseRange(request.headers.range, size);
    if (range === 'unsatisfiable') {
      return reply
        .status(416)
        .header('content-range', `bytes */${size}`)
        .send(errorBody('media.range_invalid', 'The requested range is outside the file.'));
    }
    const ext = key.slice(key.lastIndexOf('.') + 1);
    const playlist = ext === 'm3u8';
    reply.header('content-type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
    reply.header('accept-ranges', 'bytes');
    reply.header('x-content-type-options', 'nosniff');
    reply.header(
      'cache-control',
      kind === 'signed'
        ? playlist
          ? MEDIA_CACHE.signedPlaylist
          : MEDIA_CACHE.signed
        : kind === 'bare'
          ? MEDIA_CACHE.openBare
          : playlist
            ? MEDIA_CACHE.openPlaylist
            : MEDIA_CACHE.openKeyed,
    );

    if (range) {
      reply
        .status(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1);
      return reply.send(await store.read(key, range));
    }
    reply.header('content-length', size);
    return reply.send(await store.read(key));
  });
}
