// The console against an API on another origin, as a deployed console (CloudFront) calls the stack's API Gateway URL:
// the API's CORS lets the allowed origin sign in and write (preflights with X-App-Id, X-App-Token, Content-Type and
// Idempotency-Key), and a console on an origin the API does not allow cannot reach it and says so.
import { test, expect } from "@playwright/test";
import { expectAccessible, unique } from "./helpers.js";

const CONSOLE_URL = process.env.CROSS_CONSOLE_URL; // http://localhost:<port>/console/, allowed by the API's CORS
const API_URL = process.env.CROSS_API_URL; // http://127.0.0.1:<port>
const APP_ID = process.env.CROSS_APP_ID;
const APP_TOKEN = process.env.CROSS_APP_TOKEN;

async function signInTo(page, consoleUrl, apiUrl) {
  await page.goto(consoleUrl);
  await page.getByLabel("API base URL (empty: this site)").fill(apiUrl);
  await page.getByLabel("Application id (X-App-Id)").fill(APP_ID);
  await page.getByLabel("Secret key (X-App-Token)").fill(APP_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a console on an allowed origin works against the API's URL; another origin is refused", async ({ page }) => {
  expect(CONSOLE_URL && API_URL && APP_ID && APP_TOKEN, "tests/e2e/test_console.py sets CROSS_* for this test").toBeTruthy();
  expect(new URL(CONSOLE_URL).origin).not.toBe(new URL(API_URL).origin);
  await signInTo(page, CONSOLE_URL, API_URL);
  await expect(page.getByRole("heading", { level: 1, name: "Programs" })).toBeVisible();
  await expect(page.getByText(`Key ${APP_ID} · ${API_URL}`)).toBeVisible();
  const name = unique("Cross-origin wallet");
  await page.getByRole("link", { name: "Card definitions" }).click();
  const form = page.getByRole("form", { name: "New card definition" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("button", { name: "Create card definition" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expectAccessible(page, "a component page of a cross-origin console");

  // the same console build, loaded from an origin the API does not list
  const refusedConsole = CONSOLE_URL.replace("//localhost:", "//127.0.0.1:");
  const otherApi = API_URL.replace("//127.0.0.1:", "//localhost:");
  await page.getByRole("button", { name: "Sign out" }).click();
  await signInTo(page, refusedConsole, otherApi);
  await expect(page.getByRole("alert")).toContainText(`The API at ${otherApi} did not answer`);
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
});
