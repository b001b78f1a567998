// The console's build: a single-page Svelte app with relative asset URLs, so one build is served at /console/ by
// `make serve` and at the root of the CloudFront distribution in a deployed stack.
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  base: "./",
  plugins: [svelte()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { host: "127.0.0.1", port: 5173 },
});
