// Hash routing (#/programs/lprg_...): the same build works at /console/ locally and at a CloudFront root.
function current() {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?");
  return { path, parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

export const route = $state(current());

window.addEventListener("hashchange", () => {
  Object.assign(route, current());
});

export function href(...parts) {
  return "#/" + parts.map((p) => encodeURIComponent(p)).join("/");
}

export function go(...parts) {
  window.location.hash = href(...parts).slice(1);
}
