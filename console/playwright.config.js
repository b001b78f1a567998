// Browser tests of the console: Playwright drives Debian's Chromium (/usr/bin/chromium; Playwright's own browser
// download cannot work on these machines) against a running `python -m local serve` (CONSOLE_URL, LOYALTY_* env).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests",
  workers: 1,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR || "test-results",
  use: {
    baseURL: process.env.CONSOLE_URL,
    headless: true,
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      // as root without a sandbox; no background traffic (the machine's network is closed)
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    },
  },
});
