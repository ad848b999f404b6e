// The page's handle on the analysis worker: promise-based requests and start-up events.
// A worker that dies (out of memory, a fatal error of the Python runtime) fails the
// requests in flight and says so with a 'died' event; restart() replaces it with a new one
// (what was open in the old one is gone).

// The saved single-file copy (web/single.js) hands over its embedded files and the blob:
// URL of the worker's script; the served page has neither.
const singleFile = globalThis.figsleuthSingleFile;

export class Engine extends EventTarget {
  constructor() {
    super();
    this.nextId = 1;
    this.start();
  }

  start() {
    const worker = new Worker(singleFile?.workerURL ?? new URL('./worker.js', import.meta.url));
    worker.postMessage({ type: 'start', files: singleFile?.files ?? null });
    this.worker = worker;
    this.pending = new Map();
    let started = false;
    this.ready = new Promise((resolve, reject) => {
      worker.addEventListener('message', ({ data }) => {
        if (data.type === 'progress') {
          this.dispatchEvent(new CustomEvent('progress', { detail: data }));
        } else if (data.type === 'ready') {
          started = true;
          resolve(data.description);
        } else if (data.type === 'failed') {
          reject(new Error(data.error));
        } else {
          this.settle(data);
        }
      });
      worker.addEventListener('error', (event) => {
        const error = new Error(`The analysis worker failed: ${event.message || 'unknown error'}`);
        if (!started) {
          reject(error); // start-up failed: said once, on the page
          return;
        }
        this.died(error);
      });
      worker.addEventListener('messageerror', () => {
        this.failAll(new Error('A message from the analysis worker could not be read.'));
      });
    });
  }

  /** The worker is gone: fail what it was doing and tell the page. */
  died(error) {
    this.failAll(error);
    this.dispatchEvent(new CustomEvent('died', { detail: { message: error.message } }));
  }

  /** Replace the worker by a new one (ending whatever the old one was doing). */
  restart() {
    this.worker.terminate();
    this.failAll(new Error('The analysis was stopped.'));
    this.start();
    return this.ready;
  }

  failAll(error) {
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
  }

  settle({ id, ok, result, error, fatal }) {
    const request = this.pending.get(id);
    if (!request) return;
    this.pending.delete(id);
    if (ok) request.resolve(result);
    else if (fatal) this.died(new Error(error)); // the runtime cannot go on: nor can the rest
    else request.reject(new Error(error));
  }

  request(type, payload = {}, transfer = []) {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...payload }, transfer);
    });
  }

  /** Decode a file in the worker: {key, width, height, ..., rgba: ArrayBuffer}. */
  open(bytes, name) {
    return this.request('open', { bytes, name }, [bytes]);
  }

  /** The images embedded in a PDF: [{name, page, error, bytes: ArrayBuffer}]. */
  pdfImages(bytes, name) {
    return this.request('pdf', { bytes, name }, [bytes]);
  }

  /** Run one analysis on an opened image: the Result JSON with maps[i].levels buffers. */
  analyze(key, analysis, params) {
    return this.request('analyze', { key, analysis, params });
  }

  /** What an analysis last gave for an opened image, again (the same form as analyze). */
  stored(key, analysis) {
    return this.request('stored', { key, analysis });
  }

  /** Compare opened images and their panels for reuse: pycore.reuse.compare's report. */
  compare(keys, params) {
    return this.request('compare', { keys, params });
  }

  /**
   * The self-contained HTML report (pycore.report) of opened images, with comparisons
   * across them ([{keys, report}]), as a string.
   */
  report(keys, comparisons) {
    return this.request('report', { keys, comparisons });
  }

  /** The worker's WebAssembly memory in bytes (its high-water mark: it never shrinks). */
  memory() {
    return this.request('memory');
  }

  close(key) {
    return this.request('close', { key });
  }

  /** Run an ONNX model through pycore.models.infer: {data: ArrayBuffer (float32), dims}. */
  infer(name, values, dims) {
    const data = Float32Array.from(values).buffer;
    return this.request('infer', { name, data, dims }, [data]);
  }
}
