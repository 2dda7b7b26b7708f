import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * hls.js is imported dynamically (pages without video never load it), but the home feed needs it for its first
 * frame: a modulepreload in the shell starts its download with the entry chunk instead of after it has run.
 */
function preloadHls(): Plugin {
  return {
    name: 'reelm-preload-hls',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && c.moduleIds.some((id) => id.includes('/hls.js/dist/hls.light')),
        );
        return chunk
          ? [
              {
                tag: 'link',
                attrs: { rel: 'modulepreload', crossorigin: true, href: `/${chunk.fileName}` },
                injectTo: 'head',
              },
            ]
          : [];
      },
    },
  };
}

/**
 * Writes `.br` and `.gz` next to every text asset, once at build time at the highest levels; the server sends
 * them as they are (@fastify/static `preCompressed`) instead of compressing on each request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'reelm-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
        );
      for (const file of walk(outDir)) {
        if (!/\.(js|mjs|css|html|svg|json|txt)$/.test(file) || statSync(file).size < 1024) continue;
        const body = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
          }),
        );
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [preact(), preloadHls(), precompress()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // hls.js is a lazily loaded chunk on purpose; it's big but not on the critical path of the shell.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `vite --config web/vite.config.ts` during development: forward the API to a running Reelm server.
    proxy: { '/api': { target: process.env.REELM_API ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
