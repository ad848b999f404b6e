// The image and its overlay layers: one canvas for the image, one per map, stacked on a
// stage that zooms (wheel, buttons, keys; fit and 1:1) and pans (drag). Each layer has an
// on/off toggle and an opacity slider in the layer list. Under the cursor: the position,
// the pixel's value and a magnifier that stretches the local contrast. The overlays can be
// flickered on and off, or the original shown side by side, zoomed and panned alike.

import { COLORMAPS, MATCH_COLOURS, colorize, gradientCss } from './colormaps.js';
import { el, svgElement } from './dom.js';

const ZOOM_STEP = 1.25;
const MAX_ZOOM = 32;
const MAGNIFIER_SIZE = 160; // px on screen
const MAGNIFIER_ZOOM = 4;
const FLICKER_MS = 600;

export class Viewer {
  constructor(container, layerList) {
    this.layerList = layerList;
    this.layers = [];
    this.size = null;
    this.pixels = null;
    this.zoom = 1;
    this.offset = [0, 0];
    this.fitted = true; // follow the viewport's size until the user zooms
    this.stage = el('div', { class: 'stage' });
    this.viewport = el('div', { class: 'viewport', tabindex: '0', role: 'group',
      'aria-label': 'The image with its overlays: drag to pan, wheel or + and − to zoom' },
    this.stage);
    this.originalStage = el('div', { class: 'stage' });
    this.originalViewport = el('div', { class: 'viewport original', hidden: true,
      'aria-label': 'The original image, zoomed and panned with the other' }, this.originalStage);
    this.magnifier = el('canvas', { class: 'magnifier', width: MAGNIFIER_SIZE,
      height: MAGNIFIER_SIZE, hidden: true, 'aria-hidden': 'true' });
    this.viewport.append(this.magnifier);
    this.readout = el('p', { class: 'readout' }, ' ');
    this.zoomText = el('span', { class: 'zoom-text', 'aria-live': 'polite' }, '');
    const button = (text, label, action, shortcut) => {
      const element = el('button', { type: 'button', 'aria-label': label,
        title: `${label} (${shortcut})`, 'aria-keyshortcuts': shortcut }, text);
      element.addEventListener('click', action);
      return element;
    };
    this.mode = el('select', { 'aria-label': 'How the overlays are compared with the image' },
      el('option', { value: 'overlay' }, 'overlays on the image'),
      el('option', { value: 'side' }, 'original side by side'),
      el('option', { value: 'flicker' }, 'flicker overlays'));
    this.mode.addEventListener('change', () => this.setMode(this.mode.value));
    this.magnifierToggle = el('input', { type: 'checkbox', 'aria-keyshortcuts': 'm' });
    this.magnifierToggle.addEventListener('change', () => {
      if (!this.magnifierToggle.checked) this.magnifier.hidden = true;
    });
    container.replaceChildren(
      el('div', { class: 'view-tools', role: 'toolbar', 'aria-label': 'Zoom and compare' },
        button('−', 'Zoom out', () => this.zoomBy(1 / ZOOM_STEP), '-'),
        button('+', 'Zoom in', () => this.zoomBy(ZOOM_STEP), '+'),
        button('Fit', 'Fit the image to the view', () => this.fit(true), '0'),
        button('1:1', 'One image pixel per screen pixel', () => this.zoomTo(1), '1'),
        this.zoomText, this.mode,
        el('label', { title: 'A 4x loupe with the local contrast stretched (M)' },
          this.magnifierToggle, ' magnifier')),
      el('div', { class: 'viewports' }, this.viewport, this.originalViewport),
      this.readout);
    new ResizeObserver(() => { if (this.fitted) this.fit(); }).observe(this.viewport);
    this.listen();
  }

  listen() {
    const viewport = this.viewport;
    viewport.addEventListener('wheel', (event) => {
      if (!this.size) return;
      event.preventDefault();
      const [x, y] = this.local(event);
      this.zoomBy(event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, x, y);
    }, { passive: false });
    let drag = null;
    viewport.addEventListener('pointerdown', (event) => {
      if (!this.size || event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, offset: [...this.offset] };
      viewport.setPointerCapture(event.pointerId);
      viewport.classList.add('dragging');
    });
    viewport.addEventListener('pointermove', (event) => {
      if (drag) {
        this.offset = [drag.offset[0] + event.clientX - drag.x,
          drag.offset[1] + event.clientY - drag.y];
        this.fitted = false;
        this.apply();
      }
      this.inspect(event);
    });
    const stop = () => {
      drag = null;
      viewport.classList.remove('dragging');
    };
    viewport.addEventListener('pointerup', stop);
    viewport.addEventListener('pointercancel', stop);
    viewport.addEventListener('pointerleave', () => {
      this.magnifier.hidden = true;
      this.readout.textContent = ' ';
    });
    viewport.addEventListener('keydown', (event) => {
      const keys = { '+': () => this.zoomBy(ZOOM_STEP), '=': () => this.zoomBy(ZOOM_STEP),
        '-': () => this.zoomBy(1 / ZOOM_STEP), 0: () => this.fit(true), 1: () => this.zoomTo(1) };
      if (keys[event.key] && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        event.stopPropagation();
        keys[event.key]();
      }
    });
  }

  /** Switch the magnifier on or off (the page's M key). */
  toggleMagnifier() {
    this.magnifierToggle.checked = !this.magnifierToggle.checked;
    if (!this.magnifierToggle.checked) this.magnifier.hidden = true;
  }

  /** The pointer's position in the viewport's own pixels (inside its border). */
  local(event) {
    const box = this.viewport.getBoundingClientRect();
    return [event.clientX - box.left - this.viewport.clientLeft,
      event.clientY - box.top - this.viewport.clientTop];
  }

  /** Fit the whole image in the view (never enlarging unless asked with `force`). */
  fit(force = false) {
    if (!this.size) return;
    const [width, height] = this.size;
    const box = { width: this.viewport.clientWidth, height: this.viewport.clientHeight };
    const zoom = Math.min(box.width / width, box.height / height);
    this.zoom = force ? zoom : Math.min(1, zoom);
    this.offset = [(box.width - width * this.zoom) / 2, (box.height - height * this.zoom) / 2];
    this.fitted = true;
    this.apply();
  }

  /** Zoom by `factor` about a point of the viewport (its centre by default). */
  zoomBy(factor, x, y) {
    this.zoomTo(this.zoom * factor, x, y);
  }

  zoomTo(zoom, x, y) {
    if (!this.size) return;
    const [cx, cy] = [x ?? this.viewport.clientWidth / 2, y ?? this.viewport.clientHeight / 2];
    const next = Math.min(MAX_ZOOM, Math.max(0.02, zoom));
    // Keep the image point under (cx, cy) where it is.
    this.offset = [cx - ((cx - this.offset[0]) * next) / this.zoom,
      cy - ((cy - this.offset[1]) * next) / this.zoom];
    this.zoom = next;
    this.fitted = false;
    this.apply();
  }

  apply() {
    const transform = `translate(${this.offset[0]}px, ${this.offset[1]}px) scale(${this.zoom})`;
    this.stage.style.transform = transform;
    this.originalStage.style.transform = transform;
    // Past 1:1, show pixels as squares: a forensic view must not smooth them away.
    this.viewport.classList.toggle('pixelated', this.zoom > 1);
    this.originalViewport.classList.toggle('pixelated', this.zoom > 1);
    this.zoomText.textContent = `${Math.round(this.zoom * 100)}%`;
  }

  /** Position and value under the pointer, and the magnifier there. */
  inspect(event) {
    if (!this.size) return;
    const [width, height] = this.size;
    const [vx, vy] = this.local(event);
    const x = Math.floor((vx - this.offset[0]) / this.zoom);
    const y = Math.floor((vy - this.offset[1]) / this.zoom);
    if (x < 0 || y < 0 || x >= width || y >= height) {
      this.readout.textContent = ' ';
      this.magnifier.hidden = true;
      return;
    }
    const at = 4 * (y * width + x);
    const [r, g, b] = this.pixels.subarray(at, at + 3);
    const value = r === g && g === b ? `value ${r}` : `RGB ${r} ${g} ${b}`;
    const shown = this.layers.filter((layer) => layer.toggle.checked && layer.levels);
    const maps = shown.map((layer) => {
      const [mapWidth, mapHeight] = layer.size;
      const mx = Math.min(mapWidth - 1, Math.floor((x * mapWidth) / width));
      const my = Math.min(mapHeight - 1, Math.floor((y * mapHeight) / height));
      return `${layer.label}: ${(layer.levels[my * mapWidth + mx] / 255).toFixed(2)}`;
    });
    this.readout.textContent = [`x ${x}, y ${y}`, value, ...maps].join(' · ');
    if (this.magnifierToggle.checked) this.magnify(x, y, vx, vy);
  }

  /** A loupe at the pointer: MAGNIFIER_ZOOM times the image, contrast stretched locally. */
  magnify(x, y, vx, vy) {
    const [width, height] = this.size;
    const side = Math.round(MAGNIFIER_SIZE / MAGNIFIER_ZOOM);
    const left = Math.max(0, Math.min(width - side, x - side / 2));
    const top = Math.max(0, Math.min(height - side, y - side / 2));
    const region = new ImageData(side, side);
    let low = 255;
    let high = 0;
    for (let row = 0; row < side; row += 1) {
      for (let col = 0; col < side; col += 1) {
        const from = 4 * ((top + row) * width + left + col);
        const to = 4 * (row * side + col);
        for (let c = 0; c < 3; c += 1) {
          const value = this.pixels[from + c] ?? 0;
          region.data[to + c] = value;
          low = Math.min(low, value);
          high = Math.max(high, value);
        }
        region.data[to + 3] = 255;
      }
    }
    const gain = high > low ? 255 / (high - low) : 1;
    for (let i = 0; i < region.data.length; i += 4) {
      for (let c = 0; c < 3; c += 1) region.data[i + c] = (region.data[i + c] - low) * gain;
    }
    const context = this.magnifier.getContext('2d');
    context.imageSmoothingEnabled = false;
    createImageBitmap(region).then((bitmap) => {
      context.drawImage(bitmap, 0, 0, MAGNIFIER_SIZE, MAGNIFIER_SIZE);
      bitmap.close();
    });
    const box = { width: this.viewport.clientWidth };
    this.magnifier.style.left = `${Math.min(box.width - MAGNIFIER_SIZE, vx + 16)}px`;
    this.magnifier.style.top = `${Math.max(0, vy - MAGNIFIER_SIZE - 16)}px`;
    this.magnifier.hidden = false;
  }

  /** Overlays on the image, the original beside it, or the overlays flickering. */
  setMode(mode) {
    clearInterval(this.flicker);
    this.stage.classList.remove('flicker-off');
    this.originalViewport.hidden = mode !== 'side';
    if (mode === 'flicker') {
      this.flicker = setInterval(() => this.stage.classList.toggle('flicker-off'), FLICKER_MS);
    }
    if (this.fitted) this.fit();
  }

  /** Show a new image (RGBA bytes) and drop the previous image's layers. */
  showImage(width, height, rgba) {
    this.clearLayers();
    this.size = [width, height];
    this.pixels = new Uint8ClampedArray(rgba);
    const picture = new ImageData(this.pixels, width, height); // shares the pixels
    const canvas = el('canvas', { class: 'image', width, height, 'aria-label': 'The image' });
    canvas.getContext('2d').putImageData(picture, 0, 0);
    const original = el('canvas', { class: 'image', width, height,
      'aria-label': 'The original image' });
    original.getContext('2d').putImageData(picture, 0, 0);
    for (const stage of [this.stage, this.originalStage]) {
      stage.style.width = `${width}px`;
      stage.style.height = `${height}px`;
    }
    this.stage.replaceChildren(canvas);
    this.originalStage.replaceChildren(original);
    this.fit();
  }

  /** Show nothing (the session was cleared). */
  clear() {
    this.clearLayers();
    this.stage.replaceChildren();
    this.originalStage.replaceChildren();
    this.size = null;
    this.pixels = null;
  }

  clearLayers() {
    for (const layer of this.layers) layer.element.remove();
    this.layers = [];
    this.layerList.replaceChildren();
  }

  /** Remove the layers an analysis added before, e.g. when it is re-run. */
  removeLayers(analysisId) {
    for (const layer of this.layers.filter((entry) => entry.analysisId === analysisId)) {
      layer.element.remove();
      layer.row.remove();
    }
    this.layers = this.layers.filter((entry) => entry.analysisId !== analysisId);
  }

  /**
   * Add a map as an overlay. The map may be coarser than the image (a block map); it is
   * stretched over the image with hard pixel edges so blocks stay blocks.
   */
  addLayer(analysisId, title, map, flagged) {
    const { name, width, height, colormap, legend } = map;
    const label = `${title}: ${name.replaceAll('_', ' ')}`;
    // Painted only while shown: a hidden overlay keeps just its levels, not a canvas of
    // four bytes a pixel (200 MB for each map of a 50-megapixel image).
    const canvas = el('canvas', {
      class: 'overlay', width: 0, height: 0, dataset: { analysis: analysisId, map: name },
      'aria-label': `${label} overlay`,
    });
    const levels = new Uint8Array(map.levels);
    const ramp = el('span', { class: 'ramp' });
    // False-colour choice: the same levels under another lookup table.
    const palette = el('select', { 'aria-label': `Colours of ${label}` },
      [colormap, ...COLORMAPS.filter((entry) => entry !== colormap)]
        .map((entry) => el('option', { value: entry }, entry)));
    const showRamp = () => { ramp.style.background = gradientCss(palette.value); };
    showRamp();
    // Show the first map of an analysis that flagged the image straight away; the others
    // wait to be switched on (a map over a clean image only hides it).
    const first = flagged && this.layers.every((entry) => !entry.toggle.checked);
    const layer = this.register(analysisId, name, label, canvas, [ramp, legend, palette], first);
    const paint = () => {
      const shown = layer.toggle.checked;
      canvas.width = shown ? width : 0; // a zero-size canvas frees its pixels
      canvas.height = shown ? height : 0;
      if (shown) {
        canvas.getContext('2d').putImageData(
          new ImageData(colorize(levels, palette.value), width, height), 0, 0);
      }
    };
    Object.assign(layer, { levels, size: [width, height], onToggle: paint });
    paint();
    palette.addEventListener('change', () => {
      showRamp();
      paint();
    });
  }

  /**
   * Draw an analysis's marks on the image: for each match, both regions outlined in the
   * same colour (one colour per match, as integrity reports do), joined by a line and
   * labelled with the transform; each box (a panel) outlined and lettered. Marks that
   * belong to a plot (`map`) are drawn there.
   */
  addMarks(analysisId, title, marks, width, height) {
    const matches = marks.filter((mark) => mark.kind === 'match' && !mark.map);
    const boxes = marks.filter((mark) => mark.kind === 'box' && !mark.map);
    if (!matches.length && !boxes.length) return;
    const svg = svgElement('svg', { class: 'overlay marks', viewBox: `0 0 ${width} ${height}`,
      preserveAspectRatio: 'none', 'data-analysis': analysisId, 'data-map': 'marks',
      role: 'img', 'aria-label': `${title}: ${matches.length} matched region pairs, ` +
        `${boxes.length} boxes` });
    const stroke = Math.max(1.5, Math.max(width, height) / 400);
    const label = (x, y, colour, text, anchor) => {
      const element = svgElement('text', { x, y, fill: colour, 'font-size': stroke * 9,
        'text-anchor': anchor, 'dominant-baseline': 'hanging', stroke: '#000',
        'stroke-width': stroke / 3, 'paint-order': 'stroke' });
      element.textContent = text;
      return element;
    };
    boxes.forEach(({ box: [left, top, right, bottom], label: name }) => {
      const frame = { x: left, y: top, width: right - left, height: bottom - top, fill: 'none' };
      svg.append(  // white on black: visible on light and dark panels alike
        svgElement('rect', { ...frame, stroke: '#000', 'stroke-width': stroke * 2 }),
        svgElement('rect', { ...frame, stroke: '#FFF', 'stroke-width': stroke }),
        label(left + stroke * 2, top + stroke * 2, '#FFF', name, 'start'),
      );
    });
    matches.forEach((mark, index) => {
      const colour = MATCH_COLOURS[(mark.group ?? index) % MATCH_COLOURS.length];
      const points = (polygon) => polygon.map(([x, y]) => `${x},${y}`).join(' ');
      const centre = (polygon) => polygon.reduce(([sx, sy], [x, y]) => [sx + x, sy + y], [0, 0])
        .map((sum) => sum / Math.max(polygon.length, 1));
      const [sx, sy] = centre(mark.source);
      const [tx, ty] = centre(mark.target);
      svg.append(
        svgElement('polygon', { points: points(mark.source), fill: 'none', stroke: colour,
          'stroke-width': stroke, 'stroke-dasharray': `${stroke * 3} ${stroke * 2}` }),
        svgElement('polygon', { points: points(mark.target), fill: 'none', stroke: colour,
          'stroke-width': stroke }),
        svgElement('line', { x1: sx, y1: sy, x2: tx, y2: ty, stroke: colour,
          'stroke-width': stroke / 2 }),
        label(tx, ty, colour, `${index + 1}: ${mark.label}`, 'middle'),
      );
    });
    const legend = matches.length
      ? `${matches.length} pair(s); dashed: one copy, solid: the other`
      : `${boxes.length} box(es)`;
    // A single box around the whole image says nothing worth covering it with.
    this.register(analysisId, 'marks', `${title}: ${matches.length ? 'matches' : 'boxes'}`, svg,
      [legend], matches.length > 0 || boxes.length > 1);
  }

  /** A layer row (on/off and opacity) for an overlay element stacked on the image. */
  register(analysisId, name, label, element, legend, shown) {
    this.stage.append(element);
    const toggle = el('input', { type: 'checkbox', 'aria-label': `Show ${label}` });
    const opacity = el('input', {
      type: 'range', min: '0', max: '100', value: '80', 'aria-label': `Opacity of ${label}`,
    });
    const row = el('li', { class: 'layer', dataset: { analysis: analysisId, map: name } },
      el('label', {}, toggle, ` ${label}`), opacity, el('span', { class: 'legend' }, legend));
    const layer = { analysisId, name, label, element, row, toggle, opacity };
    toggle.addEventListener('change', () => {
      layer.onToggle?.();
      this.update(layer);
    });
    opacity.addEventListener('input', () => this.update(layer));
    this.layerList.append(row);
    this.layers.push(layer);
    toggle.checked = shown;
    this.update(layer);
    return layer;
  }

  update(layer) {
    layer.element.style.display = layer.toggle.checked ? '' : 'none';
    layer.element.style.opacity = String(Number(layer.opacity.value) / 100);
  }
}
