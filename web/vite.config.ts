import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// During development the API runs elsewhere (default 8080) and Vite proxies to it.
const api = process.env.HELPDESK_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": api, "/healthz": api } },
  build: { sourcemap: false, chunkSizeWarningLimit: 800 },
});
