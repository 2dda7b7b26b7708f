import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
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
