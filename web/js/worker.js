// The analysis worker: holds Pyodide with pycore, and onnxruntime-web for the models.
// The page talks to it only by messages: {id, type, ...} in, {id, ok, result | error} out,
// plus {type: 'progress'} while starting and {type: 'ready' | 'failed'} once started. The
// page's first message, {type: 'start', files}, starts it.
//
// A classic worker, not a module: the saved single-file copy (web/single.js) can only
// start a worker from a blob: URL, and Chromium refuses module workers from blob: URLs of
// a file:// page. The runtime's modules are imported with import() instead.

// Where the app's files are fetched from: the server's folder, or, in the single-file copy,
// a name that is never fetched from the network (useEmbeddedFiles answers it).
let appRoot;
// For import() and importScripts, which do not go through fetch: the file's address, or
// in the single-file copy a blob: URL of its embedded copy.
let scriptURL;

const marks = {};
const started = performance.now();
const mark = (name) => { marks[name] = Math.round(performance.now() - started); };

const EMBEDDED_ROOT = 'https://figsleuth.invalid/';

/** Load the app's files from the folder above this script's, as served. */
function useServedFiles() {
  appRoot = new URL('../', self.location.href);
  scriptURL = (path) => new URL(path, appRoot).href;
}

/**
 * Serve the app's files from the page's embedded copies ({path: Blob}): every fetch under
 * EMBEDDED_ROOT (Pyodide's runtime and packages, the wheels, the models) is answered from
 * them, and nothing else is fetched (the page's CSP would refuse it anyway).
 */
function useEmbeddedFiles(files) {
  appRoot = new URL(EMBEDDED_ROOT);
  const blobURLs = new Map();
  scriptURL = (path) => {
    if (!blobURLs.has(path)) blobURLs.set(path, URL.createObjectURL(embeddedFile(files, path)));
    return blobURLs.get(path);
  };
  const networkFetch = self.fetch.bind(self);
  self.fetch = async (resource, options) => {
    const url = resource instanceof Request ? resource.url : String(resource);
    if (!url.startsWith(EMBEDDED_ROOT)) return networkFetch(resource, options);
    const file = embeddedFile(files, decodeURIComponent(url.slice(EMBEDDED_ROOT.length)));
    return new Response(file, { headers: { 'Content-Type': file.type } });
  };
}

function embeddedFile(files, path) {
  const file = files[path];
  if (!file) throw new TypeError(`${path} is not part of this saved copy of FigSleuth`);
  return file;
}

let pyodide;
let api;
let build; // build.json: versions and the models shipped

function progress(stage, fraction) {
  self.postMessage({ type: 'progress', stage, fraction });
}

async function start(files) {
  if (files) useEmbeddedFiles(files);
  else useServedFiles();
  build = await (await fetch(new URL('build.json', appRoot))).json();
  progress('Loading the Python runtime', 0.05);
  // Loaded here rather than by loadPyodide, which would take it from the index URL.
  self.importScripts(scriptURL('pyodide/pyodide.asm.js'));
  const { loadPyodide } = await import(scriptURL('pyodide/pyodide.mjs'));
  pyodide = await loadPyodide({ indexURL: new URL('pyodide/', appRoot).href });
  mark('pyodide');

  progress('Loading numpy, SciPy and Pillow', 0.35);
  const failures = [];
  await pyodide.loadPackage(build.pyodide_packages, {
    messageCallback: () => {},
    // loadPackage resolves even when a file fails to load: collect and fail loudly.
    errorCallback: (message) => failures.push(message),
  });
  if (failures.length) throw new Error(`Could not load packages: ${failures.join('; ')}`);
  mark('packages');

  progress('Installing the forensic core', 0.7);
  pyodide.registerJsModule('figsleuth_bridge', {
    infer: runModel, read_credentials: readCredentials,
  });
  const micropip = pyodide.pyimport('micropip');
  try {
    // deps=false: the packages are loaded above; micropip must never look for them online.
    const wheels = [build.pycore_wheel, ...build.vendored_wheels]
      .map((wheel) => new URL(wheel, appRoot).href);
    await micropip.install.callKwargs(wheels, { deps: false });
  } finally {
    micropip.destroy(); // also destroys its attribute proxies, which Pyodide caches on it
  }
  mark('pycore_installed');

  progress('Importing the forensic core', 0.85);
  // Kept for the worker's life; Pyodide caches the proxies of its functions on it.
  api = pyodide.pyimport('pycore.webapi');
  const description = JSON.parse(api.describe());
  mark('ready');
  return { ...description, build, marks };
}

// ---- Models: onnxruntime-web, loaded on first use --------------------------------------

let ortModule;
const sessions = new Map();

function onnxRuntime() {
  ortModule ??= import(scriptURL('ort/ort.wasm.min.mjs')).then((ort) => {
    // Local files only; threads need cross-origin isolation (COOP/COEP from the server).
    ort.env.wasm.wasmPaths = {
      mjs: scriptURL('ort/ort-wasm-simd-threaded.mjs'),
      wasm: new URL('ort/ort-wasm-simd-threaded.wasm', appRoot).href,
    };
    ort.env.wasm.numThreads = self.crossOriginIsolated
      ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    return ort;
  });
  return ortModule;
}

async function session(name) {
  if (!sessions.has(name)) {
    const ort = await onnxRuntime();
    const url = new URL(`models/${encodeURIComponent(name)}.onnx`, appRoot).href;
    sessions.set(name, ort.InferenceSession.create(url, { executionProviders: ['wasm'] }));
  }
  try {
    return await sessions.get(name);
  } catch (error) {
    sessions.delete(name); // let a later call retry instead of caching the failure
    throw error;
  }
}

// Called from pycore.models.infer: float32 bytes and dims in, {data: bytes, dims} out.
async function runModel(name, bytes, dims) {
  const ort = await onnxRuntime();
  const model = await session(name);
  // Copy: the bytes may not be 4-byte aligned, and Float32Array needs that.
  const values = new Float32Array(bytes.slice().buffer);
  const input = new ort.Tensor('float32', values, Array.from(dims));
  const outputs = await model.run({ [model.inputNames[0]]: input });
  const output = outputs[model.outputNames[0]];
  const data = output.data;
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dims: output.dims };
}

// ---- Content Credentials: the C2PA SDK's WebAssembly build, loaded on first use ----------

let c2paModule;

function c2pa() {
  c2paModule ??= import(scriptURL('c2pa/c2pa.js')).then(async (module) => {
    await module.default({ module_or_path: new URL('c2pa/c2pa_bg.wasm', appRoot) });
    return module;
  });
  return c2paModule;
}

// Called from pycore.credentials: the manifest store as the SDK's JSON, or null if none.
async function readCredentials(bytes, mime, settings) {
  const { WasmReader } = await c2pa();
  let reader;
  try {
    reader = await WasmReader.fromBytes(mime, bytes.slice(), settings);
  } catch (error) {
    if (/JumbfNotFound|ManifestNotFound/.test(String(error))) return null;
    throw new Error(String(error));
  }
  try {
    return reader.json();
  } finally {
    reader.free();
  }
}

// ---- Requests ----------------------------------------------------------------------------

// Copy a numpy array out of wasm memory into a transferable buffer.
function takeBuffer(proxy) {
  const view = proxy.getBuffer('u8');
  try {
    return view.data.slice().buffer;
  } finally {
    view.release();
    proxy.destroy();
  }
}

// A Result from pycore.webapi (JSON, then one uint8 array per map) as a message: each
// map's levels moved into a transferable buffer.
function resultMessage(out) {
  try {
    const result = JSON.parse(out.get(0));
    const arrays = out.get(1);
    const buffers = [];
    try {
      for (let i = 0; i < arrays.length; i += 1) buffers.push(takeBuffer(arrays.get(i)));
    } finally {
      arrays.destroy();
    }
    result.maps.forEach((layer, i) => { layer.levels = buffers[i]; });
    return { result, transfer: buffers };
  } finally {
    out.destroy();
  }
}

const handlers = {
  async open({ bytes, name }) {
    const out = api.open_image(new Uint8Array(bytes), name);
    try {
      const facts = JSON.parse(out.get(0));
      const rgba = takeBuffer(out.get(1));
      return { result: { ...facts, rgba }, transfer: [rgba] };
    } finally {
      out.destroy();
    }
  },

  async analyze({ key, analysis, params }) {
    return resultMessage(await api.analyze(key, analysis, JSON.stringify(params ?? {})));
  },

  async stored({ key, analysis }) {
    return resultMessage(api.stored(key, analysis));
  },

  async pdf({ bytes, name }) {
    const out = api.pdf_images(new Uint8Array(bytes), name);
    try {
      const entries = JSON.parse(out.get(0));
      const arrays = out.get(1);
      try {
        entries.forEach((entry, i) => { entry.bytes = takeBuffer(arrays.get(i)); });
      } finally {
        arrays.destroy();
      }
      return { result: entries, transfer: entries.map((entry) => entry.bytes) };
    } finally {
      out.destroy();
    }
  },

  async compare({ keys, params }) {
    return { result: JSON.parse(api.compare(JSON.stringify(keys), JSON.stringify(params ?? {}))) };
  },

  async report({ keys, comparisons }) {
    const runtime = {
      versions: {
        Pyodide: build.pyodide_version,
        'onnxruntime-web': build.onnxruntime_web,
        Browser: navigator.userAgent,
      },
      models: build.models,
    };
    const html = api.report(JSON.stringify(keys), JSON.stringify(comparisons ?? []),
      JSON.stringify(runtime));
    return { result: html };
  },

  // The worker's WebAssembly memory, in bytes: Python's heap, which grows and never
  // shrinks, so after an analysis it is the most that analysis needed (bench/memory.py).
  async memory() {
    return { result: pyodide._module.HEAPU8.buffer.byteLength };
  },

  async close({ key }) {
    api.close_image(key);
    return { result: null };
  },

  async infer({ name, data, dims }) {
    const out = await api.infer(name, new Uint8Array(data), dims);
    const shape = out.shape;
    const outputDims = shape.toJs();
    shape.destroy();
    const values = takeBuffer(out);
    return { result: { data: values, dims: outputDims }, transfer: [values] };
  },
};

// A message for the user: a Python exception's own text (its traceback's last line,
// after the type), with the type where it adds something.
function describeError(error) {
  if (!error?.type) return String(error?.message ?? error);
  const lines = error.message.trim().split('\n');
  const text = lines[lines.length - 1].replace(/^[\w.]+: /, '');
  return ['ImageLoadError', 'PdfError'].includes(error.type) ? text : `${error.type}: ${text}`;
}

let ready;
// One request at a time: Python is single-threaded and results must not interleave.
let queue = Promise.resolve();
self.onmessage = ({ data: message }) => {
  if (message.type === 'start') {
    ready = start(message.files);
    ready.then(
      (description) => self.postMessage({ type: 'ready', description }),
      (error) => self.postMessage({ type: 'failed', error: describeError(error) }),
    );
    return;
  }
  queue = queue.then(async () => {
    try {
      await ready;
      const { result, transfer = [] } = await handlers[message.type](message);
      self.postMessage({ id: message.id, ok: true, result }, transfer);
    } catch (error) {
      // Pyodide marks errors after which its runtime is unusable (out of memory, a crash
      // in compiled code): the page then restarts the worker.
      const fatal = Boolean(error?.pyodide_fatal_error) || /fatally failed/.test(String(error));
      self.postMessage({ id: message.id, ok: false, error: describeError(error), fatal });
    }
  });
};
