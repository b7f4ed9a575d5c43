import { defineConfig } from "vite";

// The built client goes to web/dist, which server/web.py serves at "/".
// `npm run dev` proxies the API and Socket.IO to a server on :8000.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/socket.io": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
});
