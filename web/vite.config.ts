import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// During development the API runs on 8080 and Vite proxies to it.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080" } },
  build: { sourcemap: false, chunkSizeWarningLimit: 800 },
});
