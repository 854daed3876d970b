import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The Studio's build (`npm run build:studio` -> studio/dist, served by the platform at /) and dev
 * server (`npm run dev:studio`: Vite on :5173 proxying the API and Socket.IO to VMP_URL, default
 * http://127.0.0.1:3000). The Studio imports nothing of the platform but src/contracts (`@contracts`).
 */
const api = process.env.VMP_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  resolve: { alias: { '@contracts': fileURLToPath(new URL('../src/contracts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    port: 5173,
    proxy: {
      '/v2': api,
      '/socket.io': { target: api, ws: true },
      '/docs': api,
      '/openapi.json': api,
      '/healthz': api,
    },
  },
});
