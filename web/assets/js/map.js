// The district map, drawn as SVG from the district GeoJSON (EPSG:4326): no tiles, no network
// beyond this server, so it works offline. Each district is a keyboard-focusable shape named
// for screen readers; colour shows insecure devices per district in five classes, and the
// legend says what each class means (the colour is never the only carrier: the label and the
// table beside it give the number).

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
export const CLASS_COLOURS = ['#fde0c5', '#facba6', '#f59e72', '#e4572e', '#a8201a'];
const ZERO = '#eef1f4';
const HIDDEN = 'url(#hatch)';

function svg(tag, attrs = {}) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  return n;
}

// Properties differ between sources: CBS uses statcode/statnaam.
export function districtCode(f) {
  const p = f.properties || {};
  return p.code || p.statcode || p.district_code || p.id || '';
}
export function districtName(f) {
  const p = f.properties || {};
  return p.name || p.statnaam || p.district_name || districtCode(f);
}

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

function projection(features) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const f of features) {
    for (const ring of rings(f.geometry)) {
      for (const [lon, lat] of ring) {
        minX = Math.min(minX, lon); maxX = Math.max(maxX, lon);
        minY = Math.min(minY, lat); maxY = Math.max(maxY, lat);
      }
    }
  }
  // Equirectangular with the x axis shrunk by cos(latitude): true enough over one city.
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  const scale = WIDTH / ((maxX - minX) * k || 1);
  const height = Math.ceil((maxY - minY) * scale) || 1;
  return {
    height,
    point: ([lon, lat]) => [((lon - minX) * k * scale).toFixed(1), ((maxY - lat) * scale).toFixed(1)],
  };
}

// Class breaks over the positive counts: at most five, each with an upper bound.
export function classBreaks(values) {
  const positive = values.filter((v) => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  if (!positive.length) return [];
  const max = positive[positive.length - 1];
  const breaks = [];
  for (let i = 1; i <= 5; i++) {
    const b = Math.ceil((max * i) / 5);
    if (!breaks.length || b > breaks[breaks.length - 1]) breaks.push(b);
  }
  return breaks;
}

function colour(value, breaks) {
  if (value === null) return HIDDEN;
  if (!value) return ZERO;
  const i = breaks.findIndex((b) => value <= b);
  const idx = i < 0 ? breaks.length - 1 : i;
  // Spread fewer classes over the whole ramp.
  return CLASS_COLOURS[Math.round((idx * (CLASS_COLOURS.length - 1)) / Math.max(1, breaks.length - 1))];
}

// Draws the map into container. values: Map code -> number | null (null: hidden, too few).
// opts: {selected, onSelect(code|null), noun ('insecure devices'), hiddenBelow, title}
export function drawMap(container, geojson, values, opts = {}) {
  const features = (geojson && geojson.features) || [];
  const noun = opts.noun || 'insecure devices';
  const proj = projection(features);
  const breaks = classBreaks([...values.values()]);
  container.replaceChildren();

  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${proj.height}`,
    class: 'district-map',
    role: 'group',
    'aria-label': opts.title || `Map of districts, coloured by ${noun}`,
  });
  const defs = svg('defs');
  const hatch = svg('pattern', { id: 'hatch', width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  hatch.append(svg('rect', { width: 8, height: 8, fill: '#e3e6ea' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#9aa3ad', 'stroke-width': 3 }));
  defs.append(hatch);
  root.append(defs);

  const describe = (name, v) => {
    if (v === null) return `${name}: fewer than ${opts.hiddenBelow || 'a few'} ${noun}`;
    return `${name}: ${v || 0} ${noun}`;
  };

  for (const f of features) {
    const code = districtCode(f);
    const name = districtName(f);
    const v = values.has(code) ? values.get(code) : 0;
    let d = '';
    for (const ring of rings(f.geometry)) {
      ring.forEach((pt, i) => {
        const [x, y] = proj.point(pt);
        d += `${i ? 'L' : 'M'}${x},${y}`;
      });
      d += 'Z';
    }
    const selected = opts.selected === code;
    const shape = svg('path', {
      d,
      fill: colour(v, breaks),
      'fill-rule': 'evenodd',
      class: 'district' + (selected ? ' selected' : ''),
      'data-code': code,
      'data-name': name,
      'data-value': v === null ? 'hidden' : String(v || 0),
    });
    const title = svg('title');
    title.textContent = describe(name, v);
    shape.append(title);
    if (opts.onSelect) {
      shape.setAttribute('tabindex', '0');
      shape.setAttribute('role', 'button');
      shape.setAttribute('aria-pressed', selected ? 'true' : 'false');
      shape.setAttribute('aria-label', describe(name, v) + (selected ? ' (selected; activate to clear)' : ''));
      const pick = () => opts.onSelect(selected ? null : code);
      shape.addEventListener('click', pick);
      shape.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          pick();
        }
      });
    }
    root.append(shape);
  }
  // The selected district on top, so its outline is not hidden by its neighbours.
  const sel = root.querySelector('.district.selected');
  if (sel) root.append(sel);
  container.append(root, legend(breaks, noun, opts.hiddenBelow, [...values.values()].includes(null)));
  return root;
}

function legend(breaks, noun, hiddenBelow, anyHidden) {
  const box = document.createElement('ul');
  box.className = 'map-legend';
  box.setAttribute('aria-label', `Legend: ${noun} per district`);
  const item = (fill, text) => {
    const li = document.createElement('li');
    const sw = svg('svg', { width: 18, height: 14, 'aria-hidden': 'true' });
    sw.append(svg('rect', { width: 18, height: 14, fill, stroke: '#6b7580' }));
    li.append(sw, document.createTextNode(' ' + text));
    box.append(li);
  };
  item(ZERO, 'none');
  // Counts below the threshold arrive hidden, so the first class starts at the threshold.
  let lo = anyHidden && hiddenBelow ? hiddenBelow : 1;
  breaks.forEach((b) => {
    if (b >= lo) item(colour(b, breaks), lo === b ? `${b}` : `${lo}–${b}`);
    lo = Math.max(lo, b + 1);
  });
  if (anyHidden) item(HIDDEN, `fewer than ${hiddenBelow || 'a few'} (hidden)`);
  return box;
}
