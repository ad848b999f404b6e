// The page: takes a file (drop, pick or paste), shows it, runs the analyses in the worker
// and shows each result as it arrives. UI only; all computation happens in the worker.

import { acrossPending, acrossSection } from './across.js';
import { useColormaps } from './colormaps.js';
import { Engine } from './engine.js';
import { Overview } from './overview.js';
import { el } from './dom.js';
import { AnalysisCard } from './results.js';
import { Viewer } from './viewer.js';

const $ = (selector) => document.querySelector(selector);
const startupBar = $('#startup-progress');
const startupText = $('#startup-text');
const analysisBar = $('#analysis-progress');
const messages = $('#messages');
const viewer = new Viewer($('#viewer'), $('#layers'));
const engine = new Engine();
window.figsleuth = { engine }; // for the console and for automated checks

let registry = null;
let current = null; // the tile whose image is on show
let following = true; // show each image as its analyses start, until the user picks one
let tasks = Promise.resolve(); // the worker runs one request at a time: so does the page
let analysedCount = 0;
const comparisons = []; // [{keys, report}]: reuse across each set of images opened together
let working = null; // the tile whose file the worker is busy with
const reportButton = $('#report-button');
const reportStatus = $('#report-status');
const overview = new Overview($('#overview'), {
  onOpen: (tile) => {
    following = false;
    showTile(tile);
  },
  onCancel: (tile) => {
    const state = tile.element.dataset.state;
    if (state === 'queued') overview.setState(tile, 'cancelled', 'cancelled');
    // Running: it stops after its current analysis; if that one is stuck, stop it now.
    if (state === 'running' && tile === working) overview.offerStop(tile, () => stopNow(tile));
  },
});

/** End the analysis in progress at once: the worker is replaced by a new one. */
function stopNow(tile) {
  showMessage(`Stopped the analysis of ${tile.name}. The analysis engine restarts; images ` +
    'analysed before keep their verdicts, but must be opened again for their maps and the ' +
    'report.', 'info');
  restartEngine();
}

engine.addEventListener('died', ({ detail }) => {
  const which = working ? ` while analysing ${working.name}` : '';
  if (working) {
    working.cancelled = true;
    working.failure = 'the analysis engine stopped';
  }
  showMessage(`The analysis engine stopped${which} (${detail.message}). It restarts; images ` +
    'analysed before keep their verdicts, but must be opened again for their maps and the ' +
    'report.', 'error');
  restartEngine();
});

/** A new worker: what the old one held (images, maps) is gone. */
function restartEngine() {
  for (const tile of overview.tiles) {
    if (tile.key) tile.lost = true;
  }
  comparisons.length = 0; // their keys named images of the old worker
  reportButton.disabled = true;
  startupText.textContent = 'Restarting the analysis engine…';
  $('#startup').classList.remove('done');
  engine.restart().then(() => {
    startupText.textContent = 'Ready again.';
    $('#startup').classList.add('done');
  }, (error) => showMessage(`The analysis engine could not restart: ${error.message}`, 'error'));
}

// Offline after one visit: the service worker caches the whole app (web/sw.js). A browser
// that refuses it (private mode) still runs the page from the network; the single-file
// copy (web/single.js) needs none.
if ('serviceWorker' in navigator && window.isSecureContext && !globalThis.figsleuthSingleFile) {
  navigator.serviceWorker.register('sw.js').catch(() => {});
}

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
 * Queue files: each gets a tile at once and is opened and analysed in turn; then the images
 * opened together are compared with each other. Earlier files stay in the session.
 */
function openFiles(files) {
  if (!files.length) return;
  following = true;
  const together = [];
  for (const file of files) {
    const tile = overview.add(file.name || 'pasted image');
    enqueue(() => openFile(file, tile, together));
  }
  enqueue(() => compareTogether(together));
}

/** Close every image of the session and empty the overview (queued files are cancelled). */
function clearSession() {
  for (const tile of overview.tiles) tile.cancelled = true;
  const keys = overview.tiles.map((tile) => tile.key).filter(Boolean);
  overview.clear();
  comparisons.length = 0;
  current = null;
  viewer.clear();
  $('#across').hidden = true;
  $('#workspace').hidden = true;
  $('#empty').hidden = false;
  reportButton.disabled = true;
  clearButton.disabled = true;
  reportStatus.textContent = '';
  enqueue(() => Promise.all(keys.map((key) => engine.close(key).catch(() => {}))));
}

async function compareTogether(tiles) {
  const images = tiles.filter((tile) => tile.key && !tile.cancelled && !tile.lost);
  if (images.length < 2) return;
  const section = $('#across');
  section.replaceChildren(acrossPending(images.length));
  section.hidden = false;
  try {
    const params = current?.cards.get('duplicates')?.values() ?? {};
    const keys = images.map((tile) => tile.key);
    const report = await engine.compare(keys, params);
    section.replaceChildren(acrossSection(report, images));
    comparisons.push({ keys, report });
  } catch (error) {
    section.replaceChildren();
    showMessage(`Could not compare the images: ${error.message}`, 'error');
  }
  document.body.dataset.compared = String(Number(document.body.dataset.compared ?? 0) + 1);
}

async function openFile(file, tile, together) {
  if (tile.cancelled) return;
  try {
    await engine.ready;
  } catch {
    overview.setState(tile, 'failed', 'engine not started');
    return; // the start-up failure is already on the page
  }
  overview.setState(tile, 'running', 'opening…');
  const name = file.name || 'pasted image';
  const bytes = await file.arrayBuffer();
  if (isPdf(bytes)) await openPdf(bytes, name, tile, together);
  else await openImage(bytes, name, tile, together);
}

/** Open and analyse each image embedded in a PDF, in page order, each with a tile. */
async function openPdf(bytes, name, pdfTile, together) {
  let images;
  try {
    images = await engine.pdfImages(bytes, name);
  } catch (error) {
    failed(pdfTile, `Could not open ${name}: ${error.message}`);
    return;
  }
  const readable = images.filter((image) => !image.error);
  showMessage(readable.length
    ? `${name}: ${readable.length} embedded image(s), each analysed in turn and all compared ` +
      'for reuse.'
    : `${name} holds no images that could be read.`, readable.length ? 'info' : 'error');
  if (!readable.length) {
    overview.setState(pdfTile, 'failed', 'no readable images');
    return;
  }
  overview.remove(pdfTile);
  const tiles = images.map((image) => overview.add(image.name));
  for (const [index, image] of images.entries()) {
    if (tiles[index].cancelled) continue;
    if (image.error) failed(tiles[index], `${image.name}: ${image.error}`);
    else await openImage(image.bytes, image.name, tiles[index], together);
  }
}

/** A file or image that could not be read: said on the page and on its tile. */
function failed(tile, message) {
  showMessage(message, 'error');
  overview.setState(tile, 'failed', 'could not be read');
  tile.element.title = message;
}

async function openImage(bytes, name, tile, together) {
  let facts;
  try {
    facts = await engine.open(bytes, name);
  } catch (error) {
    failed(tile, `Could not open ${name}: ${error.message}`);
    return;
  }
  Object.assign(tile, { facts, rgba: facts.rgba, cards: makeCards(tile) });
  overview.opened(tile, facts);
  together.push(tile);
  clearButton.disabled = false;
  await analyseAll(tile);
}

/** Whether a file is a PDF: readers accept the header anywhere in the first kilobyte. */
function isPdf(bytes) {
  const head = new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 1024));
  return String.fromCharCode(...head).includes('%PDF-');
}

/** A card for each default analysis of a tile's image. */
function makeCards(tile) {
  const cards = new Map();
  for (const analysis of registry.analyses.filter((entry) => entry.default)) {
    const card = new AnalysisCard(analysis, (params) => {
      card.queued();
      enqueue(() => runAnalysis(tile, analysis, params));
    });
    cards.set(analysis.id, card);
  }
  return cards;
}

/** Put a tile's image on show with its cards, and the layers of the analyses done. */
async function showTile(tile) {
  if (!tile.facts || tile === current) return;
  current = tile;
  overview.select(tile);
  const { facts } = tile;
  viewer.showImage(facts.width, facts.height, tile.rgba);
  $('#image-name').textContent = tile.name;
  $('#image-facts').textContent = `${facts.width} × ${facts.height} px, ${facts.format}, ` +
    `${facts.bit_depth}-bit ${facts.mode}` +
    (facts.frame_count > 1 ? `, the first of ${facts.frame_count} frames` : '');
  $('#empty').hidden = true;
  $('#workspace').hidden = false;
  $('#cards').replaceChildren(...[...tile.cards.values()].map((card) => card.element));
  if (tile.lost) return; // its maps went with the worker that made them
  const done = [...tile.cards.values()].filter((card) => card.element.dataset.state === 'done');
  for (const card of done) {
    // Maps are not kept in the page: ask the worker for them again.
    const result = await engine.stored(tile.key, card.analysis.id);
    if (current !== tile) return;
    showLayers(card.analysis, result, tile);
  }
}

async function analyseAll(tile) {
  if (following) showTile(tile);
  working = tile;
  const total = tile.cards.size;
  let done = 0;
  overview.setState(tile, 'running', `analysing 0/${total}`);
  for (const card of tile.cards.values()) {
    if (tile.cancelled || tile.lost) break;
    await runAnalysis(tile, card.analysis, card.values());
    done += 1;
    overview.setState(tile, 'running', `analysing ${done}/${total}`);
  }
  for (const card of tile.cards.values()) {
    if (card.element.dataset.state === 'waiting') card.skipped();
  }
  working = null;
  if (tile.failure) overview.setState(tile, 'failed', tile.failure);
  else {
    overview.setState(tile, tile.cancelled || tile.lost ? 'cancelled' : 'done',
      tile.cancelled || tile.lost ? `cancelled after ${done}/${total}` : `${total} analyses`);
  }
  reportButton.disabled = !overview.tiles.some((entry) => entry.key && !entry.lost);
  analysedCount += 1;
  document.body.dataset.analysed = String(analysedCount); // lets automated checks wait
}

async function runAnalysis(tile, analysis, params) {
  const card = tile.cards.get(analysis.id);
  card.running();
  if (tile === current) progressOf(tile);
  try {
    const result = await engine.analyze(tile.key, analysis.id, params);
    card.show(result);
    overview.setVerdict(tile, analysis.id, result.verdict);
    if (tile === current) showLayers(analysis, result, tile);
  } catch (error) {
    card.failed(error.message);
  } finally {
    if (tile === current) progressOf(tile);
  }
}

/** The progress bar over the cards: the analyses of the image on show still to come. */
function progressOf(tile) {
  const states = [...tile.cards.values()].map((card) => card.element.dataset.state);
  const waiting = states.filter((state) => ['waiting', 'queued', 'running'].includes(state)).length;
  analysisBar.max = states.length;
  analysisBar.value = states.length - waiting;
  analysisBar.hidden = waiting === 0;
}

function showLayers(analysis, result, tile) {
  viewer.removeLayers(analysis.id);
  for (const map of result.maps.filter((entry) => entry.kind === 'overlay')) {
    viewer.addLayer(analysis.id, analysis.title, map,
      ['inconclusive', 'suspicious'].includes(result.verdict));
  }
  viewer.addMarks(analysis.id, analysis.title, result.marks, tile.facts.width,
    tile.facts.height);
}

// ---- Report -----------------------------------------------------------------------------

/** Write the report of the session's images, once the analyses queued so far are done. */
function downloadReport() {
  if (reportButton.disabled) return;
  reportButton.disabled = true;
  reportStatus.textContent = 'Writing the report once the analyses queued are done…';
  enqueue(async () => {
    try {
      const images = overview.tiles.filter((tile) => tile.key && !tile.lost);
      const html = await engine.report(images.map((tile) => tile.key), comparisons);
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
      reportButton.disabled = !overview.tiles.some((tile) => tile.key && !tile.lost);
    }
  });
}
reportButton.addEventListener('click', downloadReport);
const clearButton = $('#clear-button');
clearButton.addEventListener('click', clearSession);

// ---- Keyboard ----------------------------------------------------------------------------

// Shortcuts (listed in the page's "Keyboard shortcuts"): not while typing in a field.
const SHORTCUTS = {
  o: () => $('#file-input').click(),
  r: downloadReport,
  m: () => viewer.toggleMagnifier(),
  ArrowRight: () => step(1),
  ArrowLeft: () => step(-1),
};

function step(direction) {
  const next = overview.neighbour(current, direction);
  if (!next) return;
  following = false;
  showTile(next);
  next.open.focus();
}

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.('input, textarea, select, [contenteditable]')) return;
  const action = SHORTCUTS[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

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
