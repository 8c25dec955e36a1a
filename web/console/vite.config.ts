// Builds the web console (web/console) into dist/console, served by Switchboard at /console/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline bootstrap code: the console's pages allow same-origin scripts only.
    modulePreload: { polyfill: false },
  },
});
