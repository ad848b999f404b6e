// The loader of the saved single-file copy (`python3 build.py single`), which build.py
// writes into that file after the embedded files. It works from a file:// URL, where
// nothing can be fetched: each file of the build is in the page as a
// <script type="application/x-figsleuth-file"> of base64 text, gzipped where that made it
// smaller. The loader turns them into Blobs, imports the page's modules from blob: URLs
// (their imports of each other rewritten to those URLs), and leaves the worker's script
// URL and the files for the engine (web/js/engine.js), which hands them to the worker.

(async () => {
  async function decoded(node) {
    // A data: URL decodes base64 natively; it is read here, never requested.
    const { body } = await fetch(`data:application/octet-stream;base64,${node.textContent}`);
    const bytes = node.dataset.encoding === 'gzip'
      ? body.pipeThrough(new DecompressionStream('gzip')) : body;
    return new Blob([await new Response(bytes).arrayBuffer()], { type: node.dataset.type });
  }

  const nodes = [...document.querySelectorAll('script[type="application/x-figsleuth-file"]')];
  const blobs = await Promise.all(nodes.map(decoded));
  const files = {};
  nodes.forEach((node, i) => {
    files[node.dataset.path] = blobs[i];
    node.remove(); // the base64 text is no longer needed
  });

  // The page's modules import each other as './name.js': a blob: URL has no folder to
  // resolve that against, so each import names the other module's blob: URL instead.
  // Each module once (one promise per path), however many modules import it.
  const moduleURLs = new Map();
  function moduleURL(path) {
    if (!moduleURLs.has(path)) moduleURLs.set(path, rewrittenModule(path));
    return moduleURLs.get(path);
  }
  async function rewrittenModule(path) {
    const source = await files[path].text();
    const imports = [...source.matchAll(/(from\s+|import\(\s*)'\.\/([\w-]+\.js)'/g)];
    const targets = await Promise.all(imports.map((found) => moduleURL(`js/${found[2]}`)));
    let rewritten = source;
    imports.forEach((found, i) => {
      rewritten = rewritten.replace(found[0], `${found[1]}'${targets[i]}'`);
    });
    return URL.createObjectURL(new Blob([rewritten], { type: 'text/javascript' }));
  }

  globalThis.figsleuthSingleFile = { files, workerURL: URL.createObjectURL(files['js/worker.js']) };
  await import(await moduleURL('js/main.js'));
})().catch((error) => {
  document.getElementById('startup-text').textContent =
    `This saved copy of FigSleuth could not start: ${error.message}`;
});
