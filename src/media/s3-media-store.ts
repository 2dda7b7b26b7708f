import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { keyParts, listFiles, publishOrder, type ByteRange, type MediaStore } from './media-store.js';

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket (may be empty). */
  prefix: string;
  client: S3ClientConfig;
}

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
};

/**
 * Parses `s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:9000&region=us-east-1` plus credentials from
 * `REELM_MEDIA_<REGION>_ACCESS_KEY` / `_SECRET_KEY` (else the AWS default chain).
 */
export function parseS3Url(url: string, credentials?: { accessKeyId: string; secretAccessKey: string }): S3Location {
  const u = new URL(url);
  if (u.protocol !== 's3:' || !u.hostname)
    throw new Error(`media URL must look like s3://BUCKET?endpoint=…, got "${url}"`);
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  return {
    bucket: u.hostname,
    prefix: u.pathname.replace(/^\/+|\/+$/g, ''),
    client: {
      region: u.searchParams.get('region') ?? 'us-east-1',
      // Streamed uploads with checksum trailers (aws-chunked) are not understood by every S3-compatible
      // server; checksums only where S3 requires them keeps the store portable.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(endpoint ? { endpoint, forcePathStyle: u.searchParams.get('forcePathStyle') !== 'false' } : {}),
      ...(credentials ? { credentials } : {}),
    },
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** A cell's media in its own S3 bucket (cluster mode). Same keys as the disk store. */
export class S3MediaStore implements MediaStore {
  private readonly s3: S3Client;

  constructor(private readonly location: S3Location) {
    this.s3 = new S3Client(location.client);
  }

  private objectKey(key: string): string {
    const parts = keyParts(key);
    return [this.location.prefix, ...parts].filter(Boolean).join('/');
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const ext = localPath.slice(localPath.lastIndexOf('.'));
    const { size } = await stat(localPath);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(localPath),
        ContentLength: size,
        ContentType: TYPES[ext] ?? 'application/octet-stream',
      }),
    );
  }

  async putDir(prefix: string, localDir: string): Promise<void> {
    const files = (await listFiles(localDir)).map((f) => relative(localDir, f).split(sep).join('/'));
    for (const file of publishOrder(files)) await this.putFile(`${prefix}/${file}`, join(localDir, file));
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }),
      );
      return head.ContentLength;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | undefined> {
    try {
      const res = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.location.bucket,
          Key: this.objectKey(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async deletePrefix(prefix: string): Promise<void> {
    const full = `${this.objectKey(prefix)}/`;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: full, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length)
        await this.s3.send(
          new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: keys, Quiet: true } }),
        );
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix: string): Promise<string[]> {
    const full = `${this.objectKey(prefix)}/`;
    const strip = this.location.prefix ? this.location.prefix.length + 1 : 0;
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) out.push(o.Key!.slice(strip));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  destroy(): void {
    this.s3.destroy();
  }
}
