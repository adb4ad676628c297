import { defineConfig } from 'vite';

// The portal is a static app: relative asset URLs (it can be served from any
// path), JSX for Preact, no source maps in the shipped bundle.
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 400 },
});
