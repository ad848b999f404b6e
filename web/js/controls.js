// Parameter controls built from the registry's description; no analysis needs its own code.

import { el } from './dom.js';

/** A form for an analysis's parameters; `values()` reads them back, typed. */
export function parameterForm(analysis) {
  const inputs = analysis.params.map((param) => {
    const id = `param-${analysis.id}-${param.name}`;
    let input;
    if (param.choices) {
      input = el('select', { id }, param.choices.map((choice) =>
        el('option', { value: choice, selected: choice === param.default }, choice)));
    } else if (param.type === 'bool') {
      input = el('input', { id, type: 'checkbox', checked: Boolean(param.default) });
    } else {
      input = el('input', {
        id, type: 'number', value: String(param.default),
        min: param.minimum ?? undefined, max: param.maximum ?? undefined,
        step: param.step ?? (param.type === 'int' ? 1 : 'any'), required: true,
      });
    }
    const label = el('label', { for: id, title: param.help }, param.name.replaceAll('_', ' '));
    return { param, input, row: el('div', { class: 'param' }, label, input,
      el('small', {}, param.help)) };
  });

  function values() {
    const result = {};
    for (const { param, input } of inputs) {
      if (param.type === 'bool') result[param.name] = input.checked;
      else if (param.type === 'int') result[param.name] = parseInt(input.value, 10);
      else if (param.type === 'float') result[param.name] = parseFloat(input.value);
      else result[param.name] = input.value;
    }
    return result;
  }

  const form = el('form', { class: 'params' }, inputs.map(({ row }) => row));
  return { form, values };
}
