// The overview: one tile per image of the session (and per file still waiting or failed),
// with a thumbnail, the worst verdict so far, the progress of its analyses and a cancel
// button; sortable; a tile opens its image in the viewer. Names are set as text.

import { el } from './dom.js';

const THUMBNAIL = 120; // px, the longer side
const SEVERITY = { suspicious: 3, inconclusive: 2, clean: 1 };

export class Overview {
  /** `onOpen(tile)` when a tile is chosen; `onCancel(tile)` when its cancel is pressed. */
  constructor(container, { onOpen, onCancel }) {
    this.onOpen = onOpen;
    this.onCancel = onCancel;
    this.tiles = [];
    this.order = el('select', { 'aria-label': 'Order of the images' },
      el('option', { value: 'opened' }, 'in the order opened'),
      el('option', { value: 'verdict' }, 'most suspicious first'),
      el('option', { value: 'name' }, 'by name'));
    this.order.addEventListener('change', () => this.sort());
    this.count = el('span', { class: 'count', role: 'status' });
    this.grid = el('ol', { class: 'tiles', 'aria-label': 'Images' });
    container.replaceChildren(
      el('div', { class: 'overview-head' }, el('h2', {}, 'Images'), this.count,
        el('label', {}, 'Show ', this.order)),
      this.grid);
    this.container = container;
  }

  /** A tile for a file or image, waiting ('queued'); returns it. */
  add(name) {
    const canvas = el('canvas', { class: 'thumb', width: 1, height: 1, 'aria-hidden': 'true' });
    const badge = el('span', { class: 'verdict' });
    const state = el('span', { class: 'state' }, 'queued');
    const cancel = el('button', { type: 'button', class: 'cancel',
      'aria-label': `Cancel the analysis of ${name}` }, 'Cancel');
    const open = el('button', { type: 'button', class: 'open', disabled: true,
      'aria-label': `Show ${name}` }, canvas, el('span', { class: 'name' }, name));
    const element = el('li', { class: 'tile', dataset: { state: 'queued' } }, open,
      el('div', { class: 'tile-foot' }, badge, state, cancel));
    const tile = {
      name, element, index: this.tiles.length, verdicts: new Map(), worst: null,
      cancelled: false,
    };
    open.addEventListener('click', () => this.onOpen(tile));
    cancel.addEventListener('click', () => {
      tile.cancelled = true;
      cancel.disabled = true;
      this.onCancel(tile);
    });
    Object.assign(tile, { canvas, badge, state, cancel, open });
    this.tiles.push(tile);
    this.grid.append(element);
    this.container.hidden = false;
    this.updateCount();
    return tile;
  }

  /** Turn a running tile's (used) cancel button into one that stops its analysis now. */
  offerStop(tile, onStop) {
    const stop = el('button', { type: 'button', class: 'cancel stop',
      'aria-label': `Stop the analysis of ${tile.name} now` }, 'Stop now');
    stop.addEventListener('click', () => {
      stop.disabled = true;
      onStop();
    }, { once: true });
    tile.cancel.replaceWith(stop);
    tile.cancel = stop;
  }

  /** Take a tile away (a PDF's, once its images have tiles of their own). */
  remove(tile) {
    this.tiles = this.tiles.filter((entry) => entry !== tile);
    tile.element.remove();
    this.updateCount();
  }

  /** The image behind a tile is open: its thumbnail, and it can be shown. */
  opened(tile, { key, width, height, rgba }) {
    Object.assign(tile, { key, width, height });
    tile.open.disabled = false;
    const scale = Math.min(1, THUMBNAIL / Math.max(width, height));
    const thumbWidth = Math.max(1, Math.round(width * scale));
    const thumbHeight = Math.max(1, Math.round(height * scale));
    tile.canvas.width = thumbWidth;
    tile.canvas.height = thumbHeight;
    createImageBitmap(new ImageData(new Uint8ClampedArray(rgba), width, height), {
      resizeWidth: thumbWidth, resizeHeight: thumbHeight, resizeQuality: 'medium',
    }).then((bitmap) => {
      tile.canvas.getContext('2d').drawImage(bitmap, 0, 0);
      bitmap.close();
    });
  }

  /** Progress: 'queued', 'running' (with done/total), 'done', 'failed' or 'cancelled'. */
  setState(tile, state, text) {
    tile.element.dataset.state = state;
    tile.state.textContent = text;
    tile.cancel.hidden = !['queued', 'running'].includes(state);
    this.updateCount();
  }

  /** One analysis's verdict for the tile's image; the badge shows the worst so far. */
  setVerdict(tile, analysisId, verdict) {
    tile.verdicts.set(analysisId, verdict);
    const worst = [...tile.verdicts.values()]
      .reduce((most, entry) => ((SEVERITY[entry] ?? 0) > (SEVERITY[most] ?? 0) ? entry : most),
        null);
    tile.worst = worst;
    tile.badge.textContent = worst ?? '';
    tile.badge.dataset.verdict = worst ?? 'none';
    if (this.order.value === 'verdict') this.sort();
  }

  /** Mark the tile on show. */
  select(tile) {
    for (const entry of this.tiles) {
      entry.element.classList.toggle('selected', entry === tile);
      if (entry === tile) entry.open.setAttribute('aria-current', 'true');
      else entry.open.removeAttribute('aria-current');
    }
  }

  /** The tile after (step 1) or before (step -1) `tile` in the order shown, if any. */
  neighbour(tile, step) {
    const shown = [...this.grid.children];
    const index = shown.indexOf(tile?.element);
    const next = shown[index + step];
    return this.tiles.find((entry) => entry.element === next && !entry.open.disabled);
  }

  sort() {
    const by = {
      opened: (a, b) => a.index - b.index,
      verdict: (a, b) => (SEVERITY[b.worst] ?? 0) - (SEVERITY[a.worst] ?? 0) || a.index - b.index,
      name: (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }),
    }[this.order.value];
    this.grid.append(...[...this.tiles].sort(by).map((tile) => tile.element));
  }

  clear() {
    this.tiles = [];
    this.grid.replaceChildren();
    this.container.hidden = true;
    this.updateCount();
  }

  updateCount() {
    const states = this.tiles.map((tile) => tile.element.dataset.state);
    const waiting = states.filter((state) => state === 'queued' || state === 'running').length;
    this.count.textContent = `${this.tiles.length} image(s)` +
      (waiting ? `, ${waiting} still to analyse` : '');
  }
}
