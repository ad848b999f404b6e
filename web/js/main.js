// The page: takes a file (drop, pick or paste), shows it, runs the analyses in the worker
// and shows each result as it arrives. UI only; all computation happens in the worker.

import { acrossPending, acrossSection } from './across.js';
import { useColormaps } from './colormaps.js';
import { Engine } from './engine.js';
import { el } from './dom.js';
import { AnalysisCard } from './results.js';
import { Viewer } from './viewer.js';

const $ = (selector) => document.querySelector(selector);
const startupBar = $('#startup-progress');
const startupText = $('#startup-text');
const analysisBar = $('#analysis-progress');
const messages = $('#messages');
const viewer = new Viewer($('#stage'), $('#layers'));
const engine = new Engine();
window.figsleuth = { engine }; // for the console and for automated checks

let registry = null;
let current = null; // the image on show: {key, name, cards: Map(id -> AnalysisCard)}
let batch = []; // the images opened together, kept open to be compared: {key, name, ...}
let tasks = Promise.resolve(); // the worker runs one request at a time: so does the page
let generation = 0; // bumped by every drop, pick or paste; older queued files are dropped
let analysedCount = 0;
let across = null; // the comparison of the current batch, for the report
const reportButton = $('#report-button');
const reportStatus = $('#report-status');

engine.addEventListener('progress', ({ detail }) => {
  startupBar.value = detail.fraction;
  startupText.textContent = `${detail.stage}…`;
});

engine.ready.then((description) => {
  registry = description;
  useColormaps(description);
  // Start-up timings: worker stages (ms after the worker started) and page time to ready.
  window.figsleuth.startup = { worker: description.marks, pageMs: Math.round(performance.now()) };
  startupBar.value = 1;
  startupText.textContent = `Ready: FigSleuth ${description.version}, Python ${description.runtime.python}`;
  document.body.dataset.ready = 'true';
  $('#startup').classList.add('done');
}, (error) => {
  startupText.textContent = 'The analysis engine failed to start.';
  showMessage(error.message, 'error');
});

function showMessage(text, kind = 'info') {
  const close = el('button', { type: 'button', 'aria-label': 'Dismiss message' }, '×');
  const item = el('li', { class: kind, role: kind === 'error' ? 'alert' : 'status' },
    el('span', {}, text), close);
  close.addEventListener('click', () => item.remove());
  messages.append(item);
}

/** Queue a task; one that fails is reported and never blocks the ones after it. */
function enqueue(task) {
  tasks = tasks.then(task).catch((error) => showMessage(`Unexpected error: ${error.message}`,
    'error'));
}

/**
 * Open files one after another, each analysed in full, unless the user opens others; then
 * compare the images opened together with each other.
 */
function openFiles(files) {
  generation += 1;
  const mine = generation;
  const superseded = () => mine !== generation;
  enqueue(() => startBatch());
  for (const file of files) enqueue(() => openFile(file, superseded));
  enqueue(() => compareBatch(superseded)); // a PDF's images count too
}

/** Close the images of the previous drop, pick or paste. */
async function startBatch() {
  const previous = batch;
  batch = [];
  across = null;
  reportButton.disabled = true;
  $('#across').hidden = true;
  await Promise.all(previous.map((image) => engine.close(image.key).catch(() => {})));
}

async function compareBatch(superseded) {
  if (superseded() || batch.length < 2) return;
  const images = [...batch];
  const section = $('#across');
  section.replaceChildren(acrossPending(images.length));
  section.hidden = false;
  try {
    const params = current?.cards.get('duplicates')?.values() ?? {};
    const report = await engine.compare(images.map((image) => image.key), params);
    if (!superseded()) {
      section.replaceChildren(acrossSection(report, images));
      across = report;
    }
  } catch (error) {
    section.replaceChildren();
    showMessage(`Could not compare the images: ${error.message}`, 'error');
  }
  document.body.dataset.compared = String(Number(document.body.dataset.compared ?? 0) + 1);
}

async function openFile(file, superseded) {
  if (superseded()) return;
  try {
    await engine.ready;
  } catch {
    return; // the start-up failure is already on the page
  }
  const name = file.name || 'pasted image';
  const bytes = await file.arrayBuffer();
  if (isPdf(bytes)) await openPdf(bytes, name, superseded);
  else await openImage(bytes, name, superseded);
}

/** Open and analyse each image embedded in a PDF, in page order. */
async function openPdf(bytes, name, superseded) {
  let images;
  try {
    images = await engine.pdfImages(bytes, name);
  } catch (error) {
    showMessage(`Could not open ${name}: ${error.message}`, 'error');
    return;
  }
  const readable = images.filter((image) => !image.error);
  showMessage(readable.length
    ? `${name}: ${readable.length} embedded image(s), each analysed in turn and all compared ` +
      'for reuse.'
    : `${name} holds no images that could be read.`, readable.length ? 'info' : 'error');
  for (const image of images) {
    if (superseded()) return;
    if (image.error) showMessage(`${image.name}: ${image.error}`, 'error');
    else await openImage(image.bytes, image.name, superseded);
  }
}

async function openImage(bytes, name, superseded) {
  let facts;
  try {
    facts = await engine.open(bytes, name);
  } catch (error) {
    showMessage(`Could not open ${name}: ${error.message}`, 'error');
    return;
  }
  show(facts, name);
  await analyseAll(current, superseded);
}

/** Whether a file is a PDF: readers accept the header anywhere in the first kilobyte. */
function isPdf(bytes) {
  const head = new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 1024));
  return String.fromCharCode(...head).includes('%PDF-');
}

/** Put a newly opened image on show, with a card for each default analysis. */
function show(facts, name) {
  batch.push({ key: facts.key, name, width: facts.width, height: facts.height,
    rgba: facts.rgba });
  viewer.showImage(facts.width, facts.height, facts.rgba);
  $('#image-name').textContent = name;
  $('#image-facts').textContent = `${facts.width} × ${facts.height} px, ${facts.format}, ` +
    `${facts.bit_depth}-bit ${facts.mode}`;
  $('#empty').hidden = true;
  $('#workspace').hidden = false;

  const image = { key: facts.key, name, width: facts.width, height: facts.height,
    cards: new Map() };
  for (const analysis of registry.analyses.filter((entry) => entry.default)) {
    const card = new AnalysisCard(analysis, (params) => {
      card.queued();
      enqueue(() => runAnalysis(image, analysis, params));
    });
    image.cards.set(analysis.id, card);
  }
  current = image;
  $('#cards').replaceChildren(...[...image.cards.values()].map((card) => card.element));
}

async function analyseAll(image, superseded) {
  analysisBar.max = image.cards.size;
  analysisBar.value = 0;
  analysisBar.hidden = false;
  for (const card of image.cards.values()) {
    if (superseded()) break; // the user opened another file: stop here
    await runAnalysis(image, card.analysis, card.values());
    analysisBar.value += 1;
  }
  analysisBar.hidden = true;
  reportButton.disabled = false;
  analysedCount += 1;
  document.body.dataset.analysed = String(analysedCount); // lets automated checks wait
}

async function runAnalysis(image, analysis, params) {
  if (image !== current) return; // queued for an image that is no longer on show
  const card = image.cards.get(analysis.id);
  card.running();
  try {
    const result = await engine.analyze(image.key, analysis.id, params);
    card.show(result);
    viewer.removeLayers(analysis.id);
    for (const map of result.maps.filter((entry) => entry.kind === 'overlay')) {
      viewer.addLayer(analysis.id, analysis.title, map);
    }
    viewer.addMarks(analysis.id, analysis.title, result.marks, image.width, image.height);
  } catch (error) {
    card.failed(error.message);
  }
}

// ---- Report -----------------------------------------------------------------------------

/** Write the report of the images opened together, once the analyses queued are done. */
function downloadReport() {
  reportButton.disabled = true;
  reportStatus.textContent = 'Writing the report…';
  enqueue(async () => {
    try {
      const images = [...batch];
      const html = await engine.report(images.map((image) => image.key), across);
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
      const link = el('a', { href: url, download: `figsleuth-report-${stamp}.html` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      reportStatus.textContent = `Report of ${images.length} image(s) saved to your downloads.`;
    } catch (error) {
      reportStatus.textContent = '';
      showMessage(`Could not write the report: ${error.message}`, 'error');
    } finally {
      reportButton.disabled = batch.length === 0;
    }
  });
}
reportButton.addEventListener('click', downloadReport);

// ---- Input: drop, pick, paste ----------------------------------------------------------

const dropZone = $('#drop-zone');
$('#file-input').addEventListener('change', (event) => {
  openFiles([...event.target.files]);
  event.target.value = '';
});
for (const type of ['dragenter', 'dragover']) {
  document.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
}
document.addEventListener('dragleave', (event) => {
  if (!event.relatedTarget) dropZone.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  openFiles([...(event.dataTransfer?.files ?? [])]);
});
document.addEventListener('paste', (event) => {
  if (event.target.closest?.('input, textarea, select')) return; // ordinary text paste
  const files = [...(event.clipboardData?.files ?? [])];
  if (files.length) openFiles(files);
  else showMessage('The clipboard holds no image to paste.', 'info');
});
