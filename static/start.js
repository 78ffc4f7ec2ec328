// Starts the page: imports the wasm-bindgen glue and instantiates the wasm
// whose content-hashed names trunk wrote on this script's own tag (see
// `pattern_script` in Trunk.toml). A file rather than trunk's inline loader,
// so the page runs under `script-src 'self' 'wasm-unsafe-eval'` on any host,
// with no 'unsafe-inline' and no hashes to keep in step with each build.
//
// Until the app mounts, the static list box in index.html takes input: it
// shows the list saved by the last visit, marks itself edited when typed in,
// and a Check (or Ctrl+Enter) pressed now is remembered on <html> as
// data-early-check. The app adopts both when it mounts (`mount` in src/lib.rs).
// Check is disabled in index.html until this script can remember a press.
//
// It also asks this page's own server for /api/health at once, while the wasm
// is still on its way, and leaves the pending answer on window.upcheckHealth.
// The app's first look for a proxy on this server takes that answer instead of
// asking again (`early_answer` in src/services/proxy.rs), so a Check pressed
// early starts its run a round trip sooner.
try {
  const health = new URL('/api/health', location.origin).href;
  window.upcheckHealth = { url: health, answer: fetch(health, { cache: 'no-store' }) };
  // No proxy here (a static host) is an answer too: not an unhandled rejection.
  window.upcheckHealth.answer.catch(() => {});
} catch (_) { /* an opaque origin (a sandboxed frame): the app asks for itself */ }
const box = document.getElementById('list');
const early = document.getElementById('check');
if (box && early) {
  if (box.value !== '') {
    // Typed or pasted before this script ran (the box is empty in
    // index.html): that is the list, not the saved one.
    box.dataset.edited = 'true';
  } else {
    try {
      const saved = JSON.parse(localStorage.getItem('upcheck.list.v1') || '""');
      if (typeof saved === 'string') box.value = saved;
    } catch (_) { /* no storage (private mode) or an unreadable entry: start empty */ }
  }
  box.addEventListener('input', () => { box.dataset.edited = 'true'; });
  const press = () => {
    document.documentElement.dataset.earlyCheck = 'true';
    early.disabled = true;
    const status = document.getElementById('early-status');
    if (status) status.textContent = 'Check pressed: the checks start as soon as the checker has loaded…';
  };
  early.addEventListener('click', press);
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); press(); }
  });
  early.disabled = false;
}
const tag = document.querySelector('script[data-wasm]');
const here = (name) => new URL(name, document.baseURI).href;
const glue = await import(here(tag.dataset.js));
await glue.default({ module_or_path: here(tag.dataset.wasm) });
