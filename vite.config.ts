// The analyst workstation (web/) is built into dist/web, which the Express host serves with a
// history fallback. In development `npm run dev:web` proxies the API to a server on port 3000.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.QB_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    // The first load is the shell + market view; feature views are lazy chunks.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(['/trpc', '/api', '/auth'].map((path) => [path, { target: api, changeOrigin: false }])),
  },
});
