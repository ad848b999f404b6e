// The image and its overlay layers: one canvas for the image, one per map, stacked.
// Each layer has an on/off toggle and an opacity slider in the layer list.

import { COLORMAPS, MATCH_COLOURS, colorize, gradientCss } from './colormaps.js';
import { el, svgElement } from './dom.js';

export class Viewer {
  constructor(stage, layerList) {
    this.stage = stage;
    this.layerList = layerList;
    this.layers = [];
    this.size = null;
    new ResizeObserver(() => this.fit()).observe(stage.parentElement);
  }

  /** Scale the stage to fit its column and 75% of the window height, never enlarging. */
  fit() {
    if (!this.size) return;
    const [width, height] = this.size;
    const scale = Math.min(1, this.stage.parentElement.clientWidth / width,
      (0.75 * window.innerHeight) / height);
    this.stage.style.width = `${Math.floor(width * scale)}px`;
    this.stage.style.height = `${Math.floor(height * scale)}px`;
  }

  /** Show a new image (RGBA bytes) and drop the previous image's layers. */
  showImage(width, height, rgba) {
    this.clearLayers();
    this.stage.replaceChildren();
    this.size = [width, height];
    this.fit();
    const canvas = el('canvas', { class: 'image', width, height, 'aria-label': 'The image' });
    canvas.getContext('2d').putImageData(
      new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
    this.stage.append(canvas);
    this.stage.hidden = false;
  }

  /** Show nothing (the session was cleared). */
  clear() {
    this.clearLayers();
    this.stage.replaceChildren();
    this.size = null;
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
  addLayer(analysisId, title, map) {
    const { name, width, height, colormap, legend } = map;
    const label = `${title}: ${name.replaceAll('_', ' ')}`;
    const canvas = el('canvas', {
      class: 'overlay', width, height, dataset: { analysis: analysisId, map: name },
      'aria-label': `${label} overlay`,
    });
    const levels = new Uint8Array(map.levels);
    const ramp = el('span', { class: 'ramp' });
    // False-colour choice: the same levels under another lookup table.
    const palette = el('select', { 'aria-label': `Colours of ${label}` },
      [colormap, ...COLORMAPS.filter((entry) => entry !== colormap)]
        .map((entry) => el('option', { value: entry }, entry)));
    const paint = () => {
      canvas.getContext('2d').putImageData(
        new ImageData(colorize(levels, palette.value), width, height), 0, 0);
      ramp.style.background = gradientCss(palette.value);
    };
    paint();
    palette.addEventListener('change', paint);
    // Show the first map straight away; later ones wait to be switched on.
    const first = this.layers.every((entry) => !entry.toggle.checked);
    this.register(analysisId, name, label, canvas, [ramp, legend, palette], first);
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
    const layer = { analysisId, name, element, row, toggle, opacity };
    toggle.addEventListener('change', () => this.update(layer));
    opacity.addEventListener('input', () => this.update(layer));
    this.layerList.append(row);
    this.layers.push(layer);
    toggle.checked = shown;
    this.update(layer);
  }

  update(layer) {
    layer.element.style.display = layer.toggle.checked ? '' : 'none';
    layer.element.style.opacity = String(Number(layer.opacity.value) / 100);
  }
}
