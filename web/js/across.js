// Reuse across the images opened together: each pair shown side by side, the matching
// regions outlined in the same colour (one colour per pair, as PubPeer reports do), with a
// mark for a rotated or flipped copy. Everything shown is set as text, never parsed.

import { MATCH_COLOURS } from './colormaps.js';
import { el, formatNumber, svgElement } from './dom.js';

/**
 * The section for a pycore.reuse.compare report. `images` are the compared images in the
 * report's order: {name, width, height, rgba}.
 */
export function acrossSection(report, images) {
  const pairs = report.pairs.map((pair, index) => pairFigure(pair, index, images));
  return el('section', { class: 'card across', 'aria-label': 'Reuse across the opened images' },
    el('header', {},
      el('h3', {}, `Duplicates across the ${images.length} opened images`),
      el('span', { class: 'verdict', dataset: { verdict: report.verdict } },
        `${report.verdict} (${report.score.toFixed(2)})`)),
    el('p', { class: 'reason' }, report.reason),
    el('p', { class: 'method' }, `${report.panels} panels compared pairwise, ` +
      `${formatNumber(report.keypoints)} keypoints.`),
    ...pairs);
}

/** The placeholder while the comparison runs. */
export function acrossPending(count) {
  return el('section', { class: 'card across', 'aria-label': 'Reuse across the opened images' },
    el('header', {}, el('h3', {}, `Duplicates across the ${count} opened images`),
      el('span', { class: 'status', role: 'status' }, 'comparing…')));
}

function pairFigure(pair, index, images) {
  const colour = MATCH_COLOURS[index % MATCH_COLOURS.length];
  const name = (side) => `${images[side.image].name}, panel ${side.panel}`;
  const { angle, mirrored, description } = pair.transform;
  const marks = [mirrored ? '⇋' : '', Math.abs(angle) >= 3 ? '↻' : ''].join('');
  return el('figure', { class: 'pair', dataset: { pair: String(index) } },
    el('div', { class: 'sides' },
      sideView(pair.first, images[pair.first.image], colour, true),
      sideView(pair.second, images[pair.second.image], colour, false)),
    el('figcaption', {},
      el('span', { class: 'swatch', style: `background: ${colour}` }),
      `${index + 1}: ${name(pair.first)} → ${name(pair.second)}: `,
      marks ? el('span', { class: 'transform-mark', title: description }, `${marks} `) : null,
      `${description} (${pair.matches} matches, ${formatNumber(pair.pixels)} px, ` +
        `correlation ${pair.correlation.toFixed(2)})`));
}

/** One image with the panel boxed and the shared region outlined, dashed on the source. */
function sideView(side, image, colour, dashed) {
  const { width, height } = image;
  const canvas = el('canvas', { width, height });
  canvas.getContext('2d').putImageData(
    new ImageData(new Uint8ClampedArray(image.rgba), width, height), 0, 0);
  const stroke = Math.max(1.5, Math.max(width, height) / 150);
  const [left, top, right, bottom] = side.box;
  const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none',
    role: 'img', 'aria-label': `${image.name}, panel ${side.panel}: shared region outlined` });
  svg.append(
    svgElement('rect', { x: left, y: top, width: right - left, height: bottom - top,
      fill: 'none', stroke: colour, 'stroke-width': stroke / 2, 'stroke-opacity': 0.5 }),
    svgElement('polygon', { points: side.outline.map(([x, y]) => `${x},${y}`).join(' '),
      fill: 'none', stroke: colour, 'stroke-width': stroke,
      ...(dashed ? { 'stroke-dasharray': `${stroke * 3} ${stroke * 2}` } : {}) }),
  );
  return el('div', { class: 'side' }, el('div', { class: 'frame' }, canvas, svg),
    el('span', { class: 'side-name' }, image.name));
}
