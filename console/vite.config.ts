// The console is static files under /admin/ of the gateway; in `npm run dev` the API calls
// go to a running stack's gateway, so the page and the API share one origin either way.
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/admin/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/ is committed: no source maps, and names that change only with the content
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
})
