import { defineConfig } from 'vite';

// The portal is a static app: relative asset URLs (it can be served from any
// path), JSX for Preact, no source maps in the shipped bundle.
export default defineConfig({
  base: './',
  // amazon-cognito-identity-js's Buffer polyfill (buffer@4) reads Node's
  // `global` when it loads; in the browser that is globalThis.
  define: { global: 'globalThis' },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 400 },
});
