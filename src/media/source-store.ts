import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore } from '@tus/server';
import { isId } from '../db/ids.js';
import { mediaPaths } from './media-paths.js';
import type { S3Location } from './s3-media-store.js';

/**
 * Where a region's clip bytes wait before they are published: tus uploads in progress and the finished
 * source the transcoder reads. Neither is ever served: `/media/…` only names `<videoId>/…` keys of the
 * media store, and these live outside them (a folder of the cell, or `uploads/` and `sources/` in the bucket).
 */
export interface SourceStore {
  readonly kind: 'disk' | 's3';
  /** The tus datastore of this region's uploads. */
  readonly tus: DataStore;
  /** The tus upload id of a clip (its name in the datastore). */
  uploadId(videoId: string): string;
  /** The clip id of a tus upload id, or undefined when it is not one of ours. */
  videoIdOf(uploadId: string): string | undefined;
  /** Makes the clip's finished tus upload its source; returns the size in bytes. */
  adoptUpload(videoId: string): Promise<number>;
  /** Makes a local file (a multipart upload) the clip's source, taking the file away; returns the size. */
  adoptFile(videoId: string, localPath: string): Promise<number>;
  /** A local path ffmpeg can read: the source itself on disk, else a copy fetched into `workDir`. */
  fetch(videoId: string, workDir: string): Promise<string | undefined>;
  /** Removes the clip's upload in progress (if any) and its source. */
  remove(videoId: string): Promise<void>;
  /** Removes the clip's upload in progress (bytes and tus state), leaving any source alone. */
  removeUpload(videoId: string): Promise<void>;
  /** Clip ids of uploads in progress last written before `before` (the expiry sweep's candidates). */
  staleUploads(before: Date): Promise<string[]>;
}

/** Embedded mode: uploads in `<cell>/uploads/` (tus FileStore), sources in `<cell>/sources/`. */
export class DiskSourceStore implements SourceStore {
  readonly kind = 'disk' as const;
  private readonly uploads: string;
  private store: FileStore | undefined;

  constructor(private readonly cellDir: string) {
    this.uploads = mediaPaths.uploads(cellDir);
  }

  // Made on first use: a FileStore creates its folder, and a detached cell must not grow one back.
  get tus(): DataStore {
    this.store ??= new FileStore({ directory: this.uploads });
    return this.store;
  }

  uploadId(videoId: string): string {
    return videoId;
  }

  videoIdOf(uploadId: string): string {
    return uploadId;
  }

  async adoptUpload(videoId: string): Promise<number> {
    const size = await this.adoptFile(videoId, join(this.uploads, videoId));
    await rm(join(this.uploads, `${videoId}.json`), { force: true });
    return size;
  }

  async adoptFile(videoId: string, localPath: string): Promise<number> {
    const source = mediaPaths.source(this.cellDir, videoId);
    await mkdir(mediaPaths.sources(this.cellDir), { recursive: true });
    await rename(localPath, source);
    return (await stat(source)).size;
  }

  async fetch(videoId: string): Promise<string | undefined> {
    const source = mediaPaths.source(this.cellDir, videoId);
    return (await stat(source).catch(() => undefined))?.isFile() ? source : undefined;
  }

  async remove(videoId: string): Promise<void> {
    await Promise.all([this.removeUpload(videoId), rm(mediaPaths.source(this.cellDir, videoId), { force: true })]);
  }

  async removeUpload(videoId: string): Promise<void> {
    await Promise.all([
      rm(join(this.uploads, videoId), { force: true }),
      rm(join(this.uploads, `${videoId}.json`), { force: true }),
    ]);
  }

  async staleUploads(before: Date): Promise<string[]> {
    const names = await readdir(this.uploads).catch(() => [] as string[]);
    const ids = new Set<string>();
    for (const name of names) {
      const id = name.endsWith('.json') ? name.slice(0, -5) : name;
      if (!isId(id)) continue;
      const info = await stat(join(this.uploads, name)).catch(() => undefined);
      if (info && info.mtimeMs < before.getTime()) ids.add(id);
    }
    return [...ids];
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    ['NotFound', 'NoSuchKey', 'NoSuchUpload'].includes(e?.name ?? e?.Code ?? '') || e?.$metadata?.httpStatusCode === 404
  );
}

/**
 * Cluster mode: tus uploads are S3 multipart uploads in the region's own bucket under `uploads/` (any API
 * process can take the next PATCH: the offset is read back from the bucket), and the finished upload is
 * copied server-side to `sources/<id>`, which a worker on any machine fetches into its work folder.
 */
export class S3SourceStore implements SourceStore {
  readonly kind = 's3' as const;
  readonly tus: S3Store;
  private readonly s3: S3Client;
  private readonly base: string;

  constructor(private readonly location: S3Location) {
    this.s3 = new S3Client(location.client);
    this.base = location.prefix ? `${location.prefix}/` : '';
    this.tus = new S3Store({ s3ClientConfig: { bucket: location.bucket, ...location.client } });
  }

  uploadId(videoId: string): string {
    return `${this.base}uploads/${videoId}`;
  }

  videoIdOf(uploadId: string): string | undefined {
    const prefix = `${this.base}uploads/`;
    return uploadId.startsWith(prefix) ? uploadId.slice(prefix.length) : undefined;
  }

  private sourceKey(videoId: string): string {
    return `${this.base}sources/${videoId}`;
  }

  async adoptUpload(videoId: string): Promise<number> {
    const { bucket } = this.location;
    const from = this.uploadId(videoId);
    // A server-side copy: the bytes stay in the region's bucket and never pass through this process.
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: this.sourceKey(videoId),
        CopySource: `${bucket}/${encodeURI(from)}`,
      }),
    );
    await this.deleteUpload(videoId);
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: this.sourceKey(videoId) }));
    return head.ContentLength ?? 0;
  }

  async adoptFile(videoId: string, localPath: string): Promise<number> {
    const { size } = await stat(localPath);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.sourceKey(videoId),
        Body: createReadStream(localPath),
        ContentLength: size,
      }),
    );
    await rm(localPath, { force: true });
    return size;
  }

  async fetch(videoId: string, workDir: string): Promise<string | undefined> {
    let body: Readable;
    try {
      const res = await this.s3.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.sourceKey(videoId) }),
      );
      body = res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    await mkdir(workDir, { recursive: true });
    const local = join(workDir, 'source');
    await pipeline(body, createWriteStream(local));
    return local;
  }

  /** The multipart upload (if still open) and tus's bookkeeping objects beside it. */
  private async deleteUpload(videoId: string): Promise<void> {
    const id = this.uploadId(videoId);
    await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.location.bucket,
        Delete: { Objects: [{ Key: id }, { Key: `${id}.info` }, { Key: `${id}.part` }], Quiet: true },
      }),
    );
  }

  async removeUpload(videoId: string): Promise<void> {
    // Aborting an open multipart upload frees its parts; a finished or unknown upload has none.
    await this.tus.remove(this.uploadId(videoId)).catch((err: { status_code?: number }) => {
      if (err?.status_code !== 404) throw err;
    });
    await this.deleteUpload(videoId);
  }

  async staleUploads(before: Date): Promise<string[]> {
    // tus keeps an `.info` object beside every upload it made, finished or not, until it is removed.
    const prefix = `${this.base}uploads/`;
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const id = o.Key?.endsWith('.info') ? o.Key.slice(prefix.length, -5) : undefined;
        if (id && isId(id) && o.LastModified && o.LastModified < before) ids.push(id);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return ids;
  }

  async remove(videoId: string): Promise<void> {
    await this.removeUpload(videoId);
    await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.location.bucket,
        Delete: { Objects: [{ Key: this.sourceKey(videoId) }], Quiet: true },
      }),
    );
  }
}
