import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

/**
 * The S3 server of the cluster tests: moto's (`moto_server`, on these machines with Python's moto), on
 * loopback, in memory. s3rver is not enough any more: tus uploads on S3 (@tus/s3-store) need ListParts and
 * AbortMultipartUpload, which s3rver 3.7 answers with MethodNotAllowed. `REELM_TEST_MOTO` names another binary.
 */
const MOTO = process.env.REELM_TEST_MOTO ?? 'moto_server';
const KEYS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface TestS3 {
  endpoint: string;
  /** Each region's `s3://` media URL. */
  urls: Record<string, string>;
  bucket(region: string): string;
  /** Every key in the region's bucket (under `prefix`). */
  keys(region: string, prefix?: string): Promise<string[]>;
  /** An object's bytes, or undefined when there is none. */
  get(region: string, key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** Starts an S3 API server on loopback with one bucket per region. */
export async function startS3(regions: string[]): Promise<TestS3> {
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Apps that are only closed (a restart hands the server on) must not leave it behind when the test process ends.
  if (process.env.REELM_TEST_RUN_DIR && child.pid)
    appendFileSync(join(process.env.REELM_TEST_RUN_DIR, 'pids'), `${child.pid}\n`);
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  const port = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`${MOTO} did not start: ${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(
        new Error(
          `cluster tests need an S3 server with multipart uploads: ${MOTO} (pip install "moto[server]") could not run: ${err.message}`,
        ),
      );
    });
    child.on('exit', (code) => fail(new Error(`${MOTO} exited (${code}): ${out}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: KEYS });
  const bucket = (region: string) => `reelm-${region}`;
  for (const r of regions) await s3.send(new CreateBucketCommand({ Bucket: bucket(r) }));
  return {
    endpoint,
    urls: Object.fromEntries(regions.map((r) => [r, `s3://${bucket(r)}?endpoint=${endpoint}&region=us-east-1`])),
    bucket,
    keys: async (region, prefix) => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket(region), Prefix: prefix, ContinuationToken: token }),
        );
        out.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort();
    },
    get: async (region, key) => {
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket(region), Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    close: async () => {
      s3.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** moto accepts any key pair; the SDK insists on having one. */
export const S3_TEST_ENV = (regions: string[]): Record<string, string> =>
  Object.fromEntries(
    regions.flatMap((r) => [
      [`REELM_MEDIA_${r.toUpperCase()}_ACCESS_KEY`, KEYS.accessKeyId],
      [`REELM_MEDIA_${r.toUpperCase()}_SECRET_KEY`, KEYS.secretAccessKey],
    ]),
  );
