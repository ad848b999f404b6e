// Colour lookup tables for map overlays, as pycore.colormaps defines them (one source for
// the page and for the reports): sent with the registry, installed by useColormaps().

let HEX = {};
/** Okabe-Ito colours for marks, one per match. */
export let MATCH_COLOURS = [];
/** The colormaps a layer can be shown with. */
export let COLORMAPS = [];

/** Install the tables of the registry's description (before any map is drawn). */
export function useColormaps({ colormaps, match_colours: matchColours }) {
  HEX = colormaps.tables;
  COLORMAPS = colormaps.names;
  MATCH_COLOURS = matchColours;
  tables.clear();
}

const tables = new Map();

/** The 256 x 3 lookup table for a colormap name (one of COLORMAPS). */
export function lookupTable(name) {
  if (!tables.has(name)) {
    const table = new Uint8Array(256 * 3);
    const hex = HEX[name];
    for (let i = 0; i < table.length; i += 1) {
      table[i] = hex ? parseInt(hex.substr(2 * i, 2), 16) : Math.floor(i / 3);
    }
    tables.set(name, table);
  }
  return tables.get(name);
}

/** Colour an 8-bit map into RGBA pixels with the named colormap. */
export function colorize(levels, name) {
  const table = lookupTable(name);
  const rgba = new Uint8ClampedArray(levels.length * 4);
  for (let i = 0; i < levels.length; i += 1) {
    const entry = levels[i] * 3;
    rgba[4 * i] = table[entry];
    rgba[4 * i + 1] = table[entry + 1];
    rgba[4 * i + 2] = table[entry + 2];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/** A CSS linear-gradient showing the colormap, for legends. */
export function gradientCss(name) {
  const table = lookupTable(name);
  const stops = [];
  for (let level = 0; level <= 255; level += 51) {
    const [r, g, b] = table.subarray(level * 3, level * 3 + 3);
    stops.push(`rgb(${r} ${g} ${b}) ${Math.round((level / 255) * 100)}%`);
  }
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
