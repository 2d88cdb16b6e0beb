// The console's production build (npm run build runs it through scripts/build.mjs): hashed files in
// dist/apps/web/assets, which the API serves from `/` with a year's cache, and index.html.
// No plugin: esbuild compiles TSX; there is no dev server to refresh.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  publicDir: false,
  esbuild: { jsx: 'automatic', legalComments: 'none' },
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The polyfill is for browsers without modulepreload; every browser the console supports has it.
    modulePreload: { polyfill: false },
    // Vega is large by nature; it loads only with a chart.
    chunkSizeWarningLimit: 2048,
    assetsInlineLimit: 0,
  },
});
