import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, type TestApp } from './helpers/app.js';

interface Answer {
  status: number;
  contentType: string;
  body: { error?: { code?: unknown; message?: unknown } };
}

/** Sends bytes as they are (Node's own parser answers some requests before Fastify sees them). */
function rawRequest(port: number, text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d) => (out += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', ...rest] = out.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const contentType = /^content-type:\s*(.*)$/im.exec(head)?.[1] ?? '';
      try {
        resolve({ status, contentType, body: JSON.parse(rest.join('\r\n\r\n')) });
      } catch {
        reject(new Error(`not JSON: ${out.slice(0, 300)}`));
      }
    });
  });
}

async function viaFetch(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${res.status} is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}

function expectShape(answer: Answer, status: number, code: string | RegExp): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body.error?.code).toMatch(code);
  expect(typeof answer.body.error?.message).toBe('string');
  expect(String(answer.body.error?.message).length).toBeGreaterThan(5);
}

describe('every error Reelm answers has the one shape {error: {code, message}}', () => {
  let t: TestApp;
  let base: string;
  let port: number;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    base = `http://127.0.0.1:${port}`;
    token = (await signup(t.app, { handle: 'errors_user' })).token;
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('404 for unknown API and media routes', async () => {
    expectShape(await viaFetch(await fetch(`${base}/api/v1/no-such-thing`)), 404, 'not_found');
    expectShape(await viaFetch(await fetch(`${base}/api/v1/no-such-thing`, { method: 'DELETE' })), 404, 'not_found');
    expectShape(await viaFetch(await fetch(`${base}/media/us/01abc/x.m4s`)), 404, 'media.not_found');
    expectShape(await viaFetch(await fetch(`${base}/media/nowhere`)), 404, 'not_found');
  });

  it('414 for a URL too long (Node’s parser and Fastify’s router), 431 for headers too large', async () => {
    const get = (path: string, headers = '') =>
      rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
    expectShape(await get(`/api/v1/users/${'a'.repeat(20_000)}`), 414, 'request.url_too_long');
    expectShape(await get(`/api/v1/users/${'a'.repeat(300)}`), 414, 'request.url_too_long');
    expectShape(await get('/health', `X-Big: ${'b'.repeat(20_000)}\r\n`), 431, 'request.headers_too_large');
    expectShape(await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n'), 400, 'request.malformed');
  });

  it('415 for an unsupported content type, 413 for a body too large', async () => {
    const post = (type: string, body: string) =>
      fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': type }, body });
    expectShape(await viaFetch(await post('text/xml', '<a/>')), 415, 'request.unsupported_media_type');
    const big = JSON.stringify({ handle: 'x', password: 'p'.repeat(t.config.limits.jsonBodyMaxBytes) });
    expectShape(await viaFetch(await post('application/json', big)), 413, 'request.too_large');
  });

  describe('tus uploads', () => {
    const auth = () => ({ ...bearer(token), 'tus-resumable': '1.0.0' });
    let url: string;

    beforeAll(async () => {
      const res = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: { ...auth(), 'upload-length': '100' },
      });
      expect(res.status).toBe(201);
      url = new URL(res.headers.get('location')!, base).href;
    });
    const patch = (headers: Record<string, string>, body: Buffer) =>
      fetch(url, { method: 'PATCH', headers: { ...auth(), ...headers }, body });

    it('412 without Tus-Resumable, 400 for a bad PATCH content type', async () => {
      const noVersion = await fetch(url, { method: 'HEAD', headers: bearer(token) });
      expect(noVersion.status).toBe(412);
      const res = await fetch(url, {
        method: 'PATCH',
        headers: { ...bearer(token), 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        body: Buffer.alloc(1),
      });
      expectShape(await viaFetch(res), 412, 'upload.tus_version_required');
      const type = await patch({ 'upload-offset': '0', 'content-type': 'text/plain' }, Buffer.alloc(1));
      expectShape(await viaFetch(type), 400, /^upload\./);
    });

    it('409 for an offset conflict, 413 for more bytes than declared', async () => {
      const octets = { 'content-type': 'application/offset+octet-stream' };
      expectShape(
        await viaFetch(await patch({ ...octets, 'upload-offset': '5' }, Buffer.alloc(2))),
        409,
        'upload.offset_conflict',
      );
      expectShape(
        await viaFetch(await patch({ ...octets, 'upload-offset': '0' }, Buffer.alloc(200))),
        413,
        'upload.size_exceeded',
      );
    });

    it('501 for a tus extension Reelm does not offer (concatenation), and nothing is left behind', async () => {
      const rows = async () => (await t.ctx.cells.get('us').db.selectFrom('videos').select('id').execute()).length;
      const before = await rows();
      const res = await fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: { ...auth(), 'upload-length': '100', 'upload-concat': 'partial' },
      });
      expectShape(await viaFetch(res), 501, 'upload.concatenation_unsupported');
      expect(await rows()).toBe(before);
    });

    it('404 for an upload that does not exist', async () => {
      const res = await fetch(`${base}/api/v1/uploads/01aaaaaaaaaaaaaaaaaaaaaaaa`, {
        method: 'PATCH',
        headers: { ...auth(), 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        body: Buffer.alloc(1),
      });
      expectShape(await viaFetch(res), 404, 'upload.not_found');
    });
  });
});
