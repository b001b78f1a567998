// The API key pair the user signed in with: kept in this tab's sessionStorage only (gone when the tab closes), never in
// localStorage, cookies or the URL.
const KEY = "loyalty-console.session";

function load() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return value && value.appId && value.appToken ? value : null;
  } catch {
    return null;
  }
}

export const session = $state({ current: load() });

export function signIn(apiUrl, appId, appToken) {
  const value = { apiUrl: apiUrl.replace(/\/+$/, ""), appId, appToken };
  sessionStorage.setItem(KEY, JSON.stringify(value));
  session.current = value;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  session.current = null;
}
