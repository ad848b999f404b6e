// One card per analysis: its state, verdict, reason, findings table, parameters and help.
// Everything shown comes from the registry and the Result JSON; text is set as text.

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
    this.element = el('section', { class: 'card', dataset: { analysis: analysis.id },
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
    this.body.replaceChildren(el('p', { class: 'reason' }, result.reason),
      findingsTable(result.findings));
  }
}

/** Findings as a table whose columns are the rows' keys; numbers keep their exact value. */
function findingsTable(rows) {
  if (!rows.length) return el('p', { class: 'empty' }, 'No findings.');
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value) => (typeof value === 'number'
    ? el('td', { class: 'number', dataset: { value: String(value) } }, formatNumber(value))
    : el('td', {}, value === null || value === undefined ? '' : String(value)));
  return el('table', { class: 'findings' },
    el('thead', {}, el('tr', {}, columns.map((column) => el('th', { scope: 'col' }, column)))),
    el('tbody', {}, rows.map((row) => el('tr', {}, columns.map((column) => cell(row[column]))))));
}
