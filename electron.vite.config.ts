import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CSP_PLACEHOLDER, RENDERER_CSP_META } from './src/shared/csp';

/**
 * Three builds: the main process (with a second entry, the local web host, which runs in plain Node and never
 * imports electron), the preload (sandboxed, so bundled as CommonJS), and the renderer (served by Electron's
 * file loader and by the web host alike).
 */
const root = dirname(fileURLToPath(import.meta.url));
/** `@shared/x` is `src/shared/x` (tsconfig.base.json `paths`), in every build. */
const resolveShared = { alias: { '@shared': resolve(root, 'src/shared') } };

/** Writes the one renderer CSP (src/shared/csp.ts) into index.html's `<meta>`; a page without the placeholder fails the build. */
function rendererCsp(): Plugin {
  return {
    name: 'atelier-renderer-csp',
    transformIndexHtml(html) {
      if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`index.html has no ${CSP_PLACEHOLDER} for the CSP`);
      return html.split(CSP_PLACEHOLDER).join(RENDERER_CSP_META);
    },
  };
}

export default defineConfig({
  main: {
    resolve: resolveShared,
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          'web-host': resolve(root, 'src/main/web/cli.ts'),
          // The service host (a worker of the web host, a utility process of the desktop shell).
          'service-host': resolve(root, 'src/main/service-host-entry.ts'),
          // The image pool's workers (src/main/services/library/image-pool.ts finds it beside the bundle).
          'image-work': resolve(root, 'src/main/services/library/image-work.ts'),
        },
      },
    },
  },
  preload: {
    resolve: resolveShared,
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    resolve: resolveShared,
    root: resolve(root, 'src/renderer'),
    base: './',
    build: {
      rollupOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
    plugins: [react(), rendererCsp()],
  },
});
