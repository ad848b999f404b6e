// One card per analysis: its state, verdict, reason, findings table, parameters and help.
// Everything shown comes from the registry and the Result JSON; text is set as text.

import { colorize } from './colormaps.js';
import { parameterForm } from './controls.js';
import { el, formatNumber } from './dom.js';

export class AnalysisCard {
  /** `onRun(params)` is called when the user re-runs the analysis with edited parameters. */
  constructor(analysis, onRun) {
    this.analysis = analysis;
    this.status = el('span', { class: 'status', role: 'status' }, 'waiting');
    this.verdict = el('span', { class: 'verdict' });
    this.body = el('div', { class: 'body' });
    const { form, values } = parameterForm(analysis);
    this.values = values;
    this.runButton = el('button', { type: 'submit' }, 'Run again');
    form.append(this.runButton);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (form.reportValidity()) onRun(values());
    });
    this.element = el('section', { class: 'card', dataset: { analysis: analysis.id, state: 'waiting' },
      'aria-label': analysis.title },
      el('header', {}, el('h3', {}, analysis.title), this.verdict, this.status),
      this.body,
      el('details', { class: 'settings' }, el('summary', {}, 'Parameters'), form),
      el('details', { class: 'help' }, el('summary', {}, 'How to read this'),
        el('p', {}, analysis.help), el('p', { class: 'method' }, analysis.method)));
    this.element.querySelector('.settings').hidden = analysis.params.length === 0;
  }

  queued() {
    this.element.dataset.state = 'queued';
    this.status.textContent = 'queued';
    this.runButton.disabled = true;
  }

  /** Not run: the image's analysis was cancelled before this one. */
  skipped() {
    this.element.dataset.state = 'skipped';
    this.status.textContent = 'not run (cancelled)';
    this.runButton.disabled = false;
  }

  running() {
    this.element.dataset.state = 'running';
    this.status.textContent = 'running…';
    this.runButton.disabled = true;
  }

  failed(message) {
    this.element.dataset.state = 'failed';
    this.status.textContent = 'failed';
    this.runButton.disabled = false;
    this.body.replaceChildren(el('p', { class: 'error', role: 'alert' }, message));
  }

  show(result) {
    this.element.dataset.state = 'done';
    this.status.textContent = `${result.seconds.toFixed(2)} s`;
    this.runButton.disabled = false;
    this.verdict.textContent = result.verdict
      ? `${result.verdict} (${result.score.toFixed(2)})` : 'no verdict';
    this.verdict.dataset.verdict = result.verdict ?? 'none';
    const plots = result.maps.filter((map) => map.kind === 'plot')
      .map((map) => plotFigure(map, result.marks.filter((mark) => mark.map === map.name)));
    this.body.replaceChildren(el('p', { class: 'reason' }, result.reason), ...plots,
      findingsTable(result.findings));
  }
}

/** A plot-like map (a spectrum, a profile) with its point marks circled. */
function plotFigure(map, marks) {
  const canvas = el('canvas', { width: map.width, height: map.height, class: 'plot',
    dataset: { map: map.name }, 'aria-label': `${map.name.replaceAll('_', ' ')} plot` });
  const context = canvas.getContext('2d');
  context.putImageData(new ImageData(colorize(new Uint8Array(map.levels), map.colormap),
    map.width, map.height), 0, 0);
  context.strokeStyle = '#ff2d55';
  context.lineWidth = Math.max(1, map.width / 200);
  for (const mark of marks) {
    context.beginPath();
    context.arc(mark.x + 0.5, mark.y + 0.5, Math.max(3, map.width / 60), 0, 2 * Math.PI);
    context.stroke();
  }
  return el('figure', { class: 'plot' }, canvas,
    el('figcaption', {}, `${map.name.replaceAll('_', ' ')}: ${map.legend}`));
}

/**
 * Findings as a table whose columns are the rows' keys; numbers keep their exact value.
 * Rows with a `section` are grouped under a heading row per section instead of a column.
 */
function findingsTable(rows) {
  if (!rows.length) return el('p', { class: 'empty' }, 'No findings.');
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
    .filter((column) => column !== 'section');
  const cell = (value) => (typeof value === 'number'
    ? el('td', { class: 'number', dataset: { value: String(value) } }, formatNumber(value))
    : el('td', {}, value === null || value === undefined ? '' : String(value)));
  const body = [];
  let section;
  for (const row of rows) {
    if (row.section !== undefined && row.section !== section) {
      section = row.section;
      body.push(el('tr', { class: 'section' },
        el('th', { scope: 'colgroup', colspan: String(columns.length) }, String(section))));
    }
    body.push(el('tr', {}, columns.map((column) => cell(row[column]))));
  }
  return el('table', { class: 'findings' },
    el('thead', {}, el('tr', {}, columns.map((column) => el('th', { scope: 'col' }, column)))),
    el('tbody', {}, body));
}
