// The console is served by admin under /console (packages/admin/src/api/http/console-route.ts): hashed files in
// dist/assets are cached forever, index.html never. No inline scripts (the page's Content-Security-Policy forbids them).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  server: { proxy: { "/api": "http://localhost:8088", "/login": "http://localhost:8088" } },
});
