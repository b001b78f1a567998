// The console's only way to the data: the public API, with the signed-in key pair. Errors come back as ApiError,
// carrying the Voucherify error body ({code, key, message, details, request_id}) as the API gave it.
import { session } from "./session.svelte.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A query string from an object: arrays repeat, null/undefined/"" are left out. */
export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The configured API base URL of a deployed console (config.json beside index.html), "" for the page's own origin. */
export async function configuredApiUrl() {
  try {
    const response = await fetch("./config.json", { cache: "no-store" });
    if (!response.ok) return "";
    const config = await response.json();
    return typeof config.api_url === "string" ? config.api_url : "";
  } catch {
    return "";
  }
}

/**
 * One API call. `body` is sent as JSON (or as is when it is FormData). Every POST carries a fresh Idempotency-Key, so
 * a retried request is applied once. Answers the parsed JSON (null for 204), throws ApiError otherwise.
 */
export async function api(method, path, { body, params, creds } = {}) {
  const current = creds || session.current;
  if (!current) throw new ApiError(401, { code: 401, key: "unauthorized", message: "Sign in first" });
  const headers = { "X-App-Id": current.appId, "X-App-Token": current.appToken };
  let payload;
  if (body !== undefined) {
    if (body instanceof FormData) payload = body;
    else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
  }
  if (method === "POST") headers["Idempotency-Key"] = newKey();
  const base = current.apiUrl || window.location.origin;
  let response;
  try {
    response = await fetch(`${base}${path}${query(params)}`, { method, headers, body: payload });
  } catch (err) {
    throw new ApiError(0, { key: "network_error", message: `The API at ${base} did not answer`, details: String(err) });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text.slice(0, 500) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  // some v2 lists answer their cursor as {next, expires_at}, the others as a string: the pages read one string
  if (data && typeof data.cursor === "object" && data.cursor !== null) data.cursor = data.cursor.next ?? null;
  return data;
}

/** The items of every page of a list (`params` sent with each page, its `cursor` leading to the next), up to `max`. */
export async function allPages(path, params = {}, max = Infinity) {
  const items = [];
  let cursor;
  do {
    const page = await api("GET", path, { params: { ...params, cursor } });
    items.push(...(page.data || []));
    cursor = page.cursor;
  } while (cursor && items.length < max);
  return items;
}

/** A v2 list for pickers and name lookups: 100 items a page, at most 500. */
export function listAll(path) {
  return allPages(path, { limit: 100 }, 500);
}

/** The spec's list filter parameter: filters[<field>][conditions][$<op>]=value. */
export function filter(field, op, value) {
  return { [`filters[${field}][conditions][$${op}]`]: value };
}

/** Poll a long job's status (`path`) until `ended(status)`, every `intervalMs`; onUpdate sees each state. */
async function follow(path, ended, onUpdate, { intervalMs = 700, timeoutMs = 600000 } = {}) {
  const started = Date.now();
  for (;;) {
    const state = await api("GET", path);
    onUpdate(state);
    if (ended(state.status)) return state;
    if (Date.now() - started > timeoutMs) throw new ApiError(0, { message: "The job did not end in time", details: path });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** An async action (GET /v1/async-actions/{id}) followed until it is DONE or FAILED. */
export function followAsyncAction(id, onUpdate, options) {
  return follow(`/v1/async-actions/${encodeURIComponent(id)}`, (s) => s === "DONE" || s === "FAILED", onUpdate, options);
}

/** An export (GET /v1/exports/{id}) followed until it is DONE or ERROR. */
export function followExport(id, onUpdate, options) {
  return follow(`/v1/exports/${encodeURIComponent(id)}`, (s) => s === "DONE" || s === "ERROR", onUpdate, options);
}
