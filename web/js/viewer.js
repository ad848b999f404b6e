// The image and its overlay layers: one canvas for the image, one per map, stacked.
// Each layer has an on/off toggle and an opacity slider in the layer list.

import { COLORMAPS, colorize, gradientCss } from './colormaps.js';
import { el } from './dom.js';

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

  clearLayers() {
    for (const layer of this.layers) layer.canvas.remove();
    this.layers = [];
    this.layerList.replaceChildren();
  }

  /** Remove the layers an analysis added before, e.g. when it is re-run. */
  removeLayers(analysisId) {
    for (const layer of this.layers.filter((entry) => entry.analysisId === analysisId)) {
      layer.canvas.remove();
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
    const canvas = el('canvas', {
      class: 'overlay', width, height, dataset: { analysis: analysisId, map: name },
      'aria-label': `${title}: ${name.replaceAll('_', ' ')} overlay`,
    });
    const levels = new Uint8Array(map.levels);
    this.stage.append(canvas);

    const label = `${title}: ${name.replaceAll('_', ' ')}`;
    const toggle = el('input', { type: 'checkbox', 'aria-label': `Show ${label}` });
    const opacity = el('input', {
      type: 'range', min: '0', max: '100', value: '80', 'aria-label': `Opacity of ${label}`,
    });
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
    const row = el('li', { class: 'layer', dataset: { analysis: analysisId, map: name } },
      el('label', {}, toggle, ` ${label}`), opacity,
      el('span', { class: 'legend' }, ramp, legend, palette));
    const layer = { analysisId, name, canvas, row, toggle, opacity };
    toggle.addEventListener('change', () => this.update(layer));
    opacity.addEventListener('input', () => this.update(layer));
    palette.addEventListener('change', paint);
    this.layerList.append(row);
    this.layers.push(layer);
    // Show the first map straight away; later ones wait to be switched on.
    toggle.checked = this.layers.every((entry) => entry === layer || !entry.toggle.checked);
    this.update(layer);
  }

  update(layer) {
    layer.canvas.hidden = !layer.toggle.checked;
    layer.canvas.style.opacity = String(Number(layer.opacity.value) / 100);
  }
}
