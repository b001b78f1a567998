// Shared steps of the console's browser tests: the environment, signing in, the API seen directly (to compare with
// what the console shows), and the accessibility check every page passes.
import { expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const API = process.env.LOYALTY_API_URL;
export const APP_ID = process.env.LOYALTY_APP_ID;
export const APP_TOKEN = process.env.LOYALTY_APP_TOKEN;

/** A call to the API itself, with the same key: what the console should agree with. */
export async function apiCall(method, path, body) {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: { "X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export async function signIn(page) {
  await page.goto("./");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Application id (X-App-Id)").fill(APP_ID);
  await page.getByLabel("Secret key (X-App-Token)").fill(APP_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Programs" })).toBeVisible();
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page, what) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")}`),
    `axe-core violations on ${what}`).toEqual([]);
}

export function unique(prefix) {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
