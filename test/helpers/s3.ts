import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** An S3 API server on loopback with one bucket per region (no MinIO on these machines). */
export async function startS3(regions: string[]): Promise<{ urls: Record<string, string>; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'reelm-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: regions.map((r) => ({ name: `reelm-${r}` })) });
  const { port } = await server.run();
  return {
    urls: Object.fromEntries(regions.map((r) => [r, `s3://reelm-${r}?endpoint=http://127.0.0.1:${port}&region=us-east-1`])),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** s3rver accepts any key pair; the SDK insists on having one. */
export const S3_TEST_ENV = (regions: string[]): Record<string, string> =>
  Object.fromEntries(regions.flatMap((r) => [[`REELM_MEDIA_${r.toUpperCase()}_ACCESS_KEY`, 'S3RVER'], [`REELM_MEDIA_${r.toUpperCase()}_SECRET_KEY`, 'S3RVER']]));
