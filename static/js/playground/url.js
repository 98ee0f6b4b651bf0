// The program lives in the URL: #src=<base64url of the UTF-8 source>&out=<output>&dir=TB|LR
// &mode=python (no mode: the server's language). A link therefore reproduces the graph;
// ?source=<url-encoded text> is accepted too. &present=1 opens presentation mode.

export function encodeSource(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeSource(encoded) {
  const b64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/**
 * {source, output, rankdir, mode, present} from the current URL; missing parts are null (a link with
 * a program and no mode is the server's language). `error` if #src is corrupt.
 */
export function readState(location = window.location) {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(location.search);
  const state = { source: null, output: null, rankdir: null, mode: null, present: false, error: null };
  const src = hash.get("src");
  if (src) {
    try {
      state.source = decodeSource(src);
    } catch {
      state.error = "The link's program could not be decoded; it may have been cut short.";
    }
  } else if (query.has("source")) {
    state.source = query.get("source");
  }
  state.output = hash.get("out") || query.get("output") || null;
  const dir = hash.get("dir") || query.get("rankdir");
  state.rankdir = dir === "TB" || dir === "LR" ? dir : null;
  const mode = hash.get("mode") || query.get("mode");
  state.mode = mode === "python" ? "python" : src || query.has("source") ? "lab" : null;
  state.present = (hash.get("present") || query.get("present")) === "1";
  return state;
}

/** The shareable URL for a state (the page's own address with a fresh hash, no query). */
export function shareUrl({ source, output, rankdir, mode, present }, location = window.location) {
  const params = new URLSearchParams();
  params.set("src", encodeSource(source));
  if (output) params.set("out", output);
  // Only a chosen direction (null otherwise): without one, each screen picks the one it can show best.
  if (rankdir) params.set("dir", rankdir);
  if (mode === "python") params.set("mode", "python");
  if (present) params.set("present", "1");
  return `${location.origin}${location.pathname}#${params.toString()}`;
}

/** Keep the address bar in step with the program without adding history entries. */
export function writeState(state) {
  const url = shareUrl(state);
  if (url !== window.location.href) window.history.replaceState(null, "", url);
}
