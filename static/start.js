// Starts the page: imports the wasm-bindgen glue and instantiates the wasm
// whose content-hashed names trunk wrote on this script's own tag (see
// `pattern_script` in Trunk.toml). A file rather than trunk's inline loader,
// so the page runs under `script-src 'self' 'wasm-unsafe-eval'` on any host,
// with no 'unsafe-inline' and no hashes to keep in step with each build.
const tag = document.querySelector('script[data-wasm]');
const here = (name) => new URL(name, document.baseURI).href;
const glue = await import(here(tag.dataset.js));
await glue.default({ module_or_path: here(tag.dataset.wasm) });
