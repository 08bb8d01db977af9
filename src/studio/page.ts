/**
 * The studio's one page: HTML, CSS and script in one string, shipped in the build as a
 * module (no static file to copy, nothing fetched from the network). The script builds
 * every element with textContent (never innerHTML), so a table or a cell holding markup
 * shows as text. It reads the token from its own URL and sends it as a header.
 *
 * The script is plain ES2020 without template literals (this file holds it in one).
 */

const STYLE = String.raw`
:root { --fg: #1d2330; --muted: #6b7280; --line: #d7dce3; --accent: #2457c5; --bad: #b42318; --ok: #067647; --bg: #f7f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0; }
header .db { color: var(--muted); font-family: ui-monospace, monospace; font-size: 12px; }
nav button { border: 0; background: none; padding: 6px 10px; cursor: pointer; font: inherit; border-bottom: 2px solid transparent; }
nav button.active { border-color: var(--accent); color: var(--accent); }
main { padding: 16px; }
.scroll { overflow: auto; }
section { display: none; }
section.active { display: block; }
.badge { font-size: 11px; padding: 1px 6px; border-radius: 8px; background: #e8edf7; color: var(--accent); }
.badge.write { background: #fdecea; color: var(--bad); }
table.grid { border-collapse: collapse; background: #fff; font-size: 13px; }
table.grid th, table.grid td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; max-width: 420px; overflow: hidden; }
table.grid th { background: #eef1f5; cursor: pointer; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.null { color: var(--muted); font-style: italic; }
.bool-true { color: var(--ok); }
.bool-false { color: var(--bad); }
.blob { font-family: ui-monospace, monospace; color: #7a4b00; }
pre { margin: 0; font-size: 12px; }
.error { color: var(--bad); background: #fdecea; border: 1px solid #f5c2bd; padding: 6px 10px; margin: 8px 0; white-space: pre-wrap; }
.info { color: var(--muted); margin: 6px 0; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.filter { display: flex; gap: 4px; }
textarea { width: 100%; min-height: 110px; font: 13px ui-monospace, monospace; }
svg .tbl rect.box { fill: #fff; stroke: #8a94a6; }
svg .tbl.drift rect.box { stroke: var(--bad); stroke-width: 2; }
svg .tbl.declared-only rect.box { stroke-dasharray: 5 3; fill: #fffaf0; }
svg .tbl rect.head { fill: #e8edf7; }
svg .tbl text { font: 12px ui-monospace, monospace; fill: var(--fg); }
svg .tbl text.title { font-weight: bold; font-family: system-ui, sans-serif; cursor: pointer; }
svg path.fk { fill: none; stroke: var(--accent); stroke-width: 1.3; }
.drift-list li { color: var(--bad); }
.cols { font-size: 12px; }
.plan ul { margin: 0; padding-left: 18px; }
details { margin: 4px 0; }
a { color: var(--accent); cursor: pointer; }
.editor { background: #fff; border: 1px solid var(--line); padding: 8px; margin: 8px 0; }
.editor label { display: flex; gap: 6px; align-items: center; margin: 2px 0; font-size: 12px; }
.editor label span { width: 160px; font-family: ui-monospace, monospace; }
`

const SCRIPT = String.raw`
'use strict';
var token = new URLSearchParams(location.search).get('token') || '';
var QUERY_PAGE = 200; // rows a page of the query view
var state = { schema: null, table: null, sort: null, dir: 'asc', size: 50, filters: [], starts: [], start: null, page: null, query: { offset: 0 } };

function el(tag, attrs, children) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (k === 'text') e.textContent = attrs[k];
    else if (k === 'class') e.className = attrs[k];
    else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
    else e.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return e;
}
function svgEl(tag, attrs, text) {
  var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  return e;
}
function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
function $(id) { return document.getElementById(id); }

function api(path, body) {
  var init = { headers: { 'x-studio-token': token } };
  if (body !== undefined) { init.method = 'POST'; init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
  return fetch(path, init).then(function (r) {
    return r.json().then(function (j) { if (!r.ok) { var err = new Error(j.error ? j.error._tag + ': ' + j.error.message : 'HTTP ' + r.status); err.body = j.error; throw err; } return j; });
  });
}
function showError(box, e) { clear(box).appendChild(el('div', { class: 'error', text: e.message })); }

// ---------------------------------------------------------------- tabs
function show(name) {
  ['schema', 'data', 'query', 'migrations'].forEach(function (n) {
    $('view-' + n).classList.toggle('active', n === name);
    $('tab-' + n).classList.toggle('active', n === name);
  });
  if (name === 'migrations') loadMigrations();
}

// ---------------------------------------------------------------- cells
function cellText(v) {
  if (v === null) return 'NULL';
  if (typeof v === 'object') {
    if (v.$bigint) return v.$bigint;
    if (v.$real) return v.$real;
    if (v.$blob) return 'BLOB ' + v.$blob.size + ' B';
  }
  return String(v);
}
function renderCell(v, col) {
  var td = el('td');
  if (v === null) { td.appendChild(el('span', { class: 'null', text: 'NULL' })); return td; }
  if (typeof v === 'object' && v.$blob) {
    var hex = v.$blob.hex.replace(/(..)/g, '$1 ').trim();
    td.appendChild(el('span', { class: 'blob', title: 'first ' + (hex.length ? (hex.length + 1) / 3 : 0) + ' bytes', text: v.$blob.size + ' B · ' + hex + (v.$blob.size * 2 > v.$blob.hex.length ? ' …' : '') }));
    return td;
  }
  var kind = col ? col.kind : 'any';
  if (typeof v === 'number' || (typeof v === 'object' && (v.$bigint || v.$real))) {
    if (kind === 'boolean' && (v === 0 || v === 1)) { td.appendChild(el('span', { class: 'bool-' + (v === 1), text: v === 1 ? '✓ true' : '✗ false' })); return td; }
    td.className = 'num'; td.textContent = cellText(v); return td;
  }
  if (kind === 'timestamp') {
    var d = new Date(v);
    td.appendChild(el('time', { datetime: v, title: isNaN(d.getTime()) ? 'not a date' : d.toString(), text: isNaN(d.getTime()) ? v : d.toISOString().replace('T', ' ').replace('.000Z', 'Z') }));
    return td;
  }
  if (kind === 'json') {
    try {
      var parsed = JSON.parse(v);
      var det = el('details', {}, [el('summary', { text: v.length > 40 ? v.slice(0, 40) + '…' : v }), el('pre', { class: 'json', text: JSON.stringify(parsed, null, 2) })]);
      td.appendChild(det); return td;
    } catch (e) { /* shown as text */ }
  }
  td.textContent = v;
  return td;
}

// ---------------------------------------------------------------- schema
function loadSchema() {
  return api('/api/schema').then(function (s) {
    state.schema = s;
    $('db').textContent = s.database;
    if (s.write) $('mode').appendChild(el('span', { class: 'badge write', text: 'write' }));
    else $('mode').appendChild(el('span', { class: 'badge', text: 'read-only' }));
    renderSchema(s);
    var sel = clear($('data-table'));
    s.tables.concat(s.views).forEach(function (t) { sel.appendChild(el('option', { value: t.name, text: t.name })); });
    return s;
  });
}

function driftTables(s) {
  var set = {};
  s.drift.forEach(function (d) { if (d.table) set[d.table] = true; });
  return set;
}

function renderDiagram(s) {
  var svg = $('diagram');
  clear(svg);
  var drift = driftTables(s);
  var boxes = s.tables.map(function (t) { return { name: t.name, columns: t.columns, fks: t.foreignKeys, live: true }; });
  var liveNames = {};
  s.tables.forEach(function (t) { liveNames[t.name] = true; });
  (s.declared || []).forEach(function (t) { if (!liveNames[t.name]) boxes.push({ name: t.name, columns: t.columns, fks: t.foreignKeys, live: false }); });
  var W = 230, ROW = 17, HEAD = 24, GX = 90, GY = 40;
  var perRow = Math.max(1, Math.ceil(Math.sqrt(boxes.length)));
  var pos = {}, rowHeights = [];
  boxes.forEach(function (b, i) {
    var r = Math.floor(i / perRow);
    rowHeights[r] = Math.max(rowHeights[r] || 0, HEAD + b.columns.length * ROW + 6);
  });
  var y0 = [20];
  for (var r = 1; r < rowHeights.length; r++) y0[r] = y0[r - 1] + rowHeights[r - 1] + GY;
  var defs = svgEl('defs', {});
  var marker = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '8', markerHeight: '8', orient: 'auto-start-reverse' });
  marker.appendChild(svgEl('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#2457c5' }));
  defs.appendChild(marker); svg.appendChild(defs);
  var arrows = svgEl('g', { class: 'arrows' });
  svg.appendChild(arrows);
  boxes.forEach(function (b, i) {
    var x = 20 + (i % perRow) * (W + GX), y = y0[Math.floor(i / perRow)];
    pos[b.name] = { x: x, y: y, b: b };
    var g = svgEl('g', { class: 'tbl' + (drift[b.name] ? ' drift' : '') + (b.live ? '' : ' declared-only'), 'data-table': b.name, transform: 'translate(' + x + ',' + y + ')' });
    g.appendChild(svgEl('rect', { class: 'box', width: W, height: HEAD + b.columns.length * ROW + 6, rx: 4 }));
    g.appendChild(svgEl('rect', { class: 'head', x: 1, y: 1, width: W - 2, height: HEAD - 2, rx: 3 }));
    var title = svgEl('text', { class: 'title', x: 8, y: 16 }, b.name + (b.live ? '' : '  (schema only)'));
    if (b.live) title.addEventListener('click', function () { openTable(b.name, []); });
    g.appendChild(title);
    b.columns.forEach(function (c, j) {
      var mark = c.pk > 0 ? 'PK ' : b.fks.some(function (f) { return f.columns.indexOf(c.name) >= 0; }) ? 'FK ' : '   ';
      g.appendChild(svgEl('text', { x: 8, y: HEAD + 13 + j * ROW }, mark + c.name));
      g.appendChild(svgEl('text', { x: W - 8, y: HEAD + 13 + j * ROW, 'text-anchor': 'end', fill: '#6b7280' }, c.kind));
    });
    svg.appendChild(g);
  });
  boxes.forEach(function (b) {
    b.fks.forEach(function (f) {
      var from = pos[b.name], to = pos[f.table];
      if (!to) return;
      var fi = b.columns.findIndex(function (c) { return c.name === f.columns[0]; });
      var ti = to.b.columns.findIndex(function (c) { return c.name === f.to[0]; });
      var fy = from.y + HEAD + 9 + Math.max(fi, 0) * ROW, ty = to.y + HEAD + 9 + Math.max(ti, 0) * ROW;
      var right = to.x > from.x;
      var fx = right ? from.x + W : from.x, tx = right ? to.x : to.x + W;
      if (to === from) { fx = from.x + W; tx = from.x + W; }
      var bend = to === from ? 40 : Math.max(30, Math.abs(tx - fx) / 2);
      var c1 = fx + (right || to === from ? bend : -bend), c2 = tx + (right && to !== from ? -bend : bend);
      arrows.appendChild(svgEl('path', { class: 'fk', 'data-from': b.name, 'data-to': f.table, d: 'M ' + fx + ' ' + fy + ' C ' + c1 + ' ' + fy + ', ' + c2 + ' ' + ty + ', ' + tx + ' ' + ty, 'marker-end': 'url(#arrow)' }));
    });
  });
  var height = y0[y0.length - 1] + (rowHeights[rowHeights.length - 1] || 0) + 20;
  svg.setAttribute('width', String(20 + perRow * (W + GX)));
  svg.setAttribute('height', String(height));
}

function columnsTable(cols, fks) {
  var t = el('table', { class: 'grid cols' }, [el('tr', {}, ['column', 'type', 'kind', 'not null', 'default', 'key', 'references'].map(function (h) { return el('th', { text: h }); }))]);
  cols.forEach(function (c) {
    var fk = (fks || []).filter(function (f) { return f.columns.indexOf(c.name) >= 0; })[0];
    t.appendChild(el('tr', {}, [el('td', { text: c.name }), el('td', { text: c.type }), el('td', { text: c.kind }), el('td', { text: c.notNull ? 'yes' : '' }), el('td', { text: c.default == null ? '' : c.default }), el('td', { text: c.pk > 0 ? 'PK ' + c.pk : '' }), el('td', { text: fk ? fk.table + '(' + fk.to.join(', ') + ') on delete ' + fk.onDelete : '' })]));
  });
  return t;
}

function renderSchema(s) {
  renderDiagram(s);
  var d = clear($('drift'));
  if (s.declaredProblem) d.appendChild(el('div', { class: 'error', text: s.declaredProblem }));
  if (s.declared === undefined) d.appendChild(el('p', { class: 'info', text: 'No schema module given: the drift against it is not shown.' }));
  else if (s.drift.length === 0) d.appendChild(el('p', { class: 'info', id: 'in-sync', text: 'In sync: the database matches the schema module and no migration is pending.' }));
  if (s.drift.length > 0) {
    d.appendChild(el('h3', { text: 'Drift (what migrate check reports)' }));
    d.appendChild(el('ul', { class: 'drift-list' }, s.drift.map(function (x) { return el('li', { text: x.text }); })));
  }
  var list = clear($('schema-list'));
  s.tables.forEach(function (t) {
    var idx = t.indexes.map(function (i) { return (i.unique ? 'UNIQUE ' : '') + i.name + ' (' + i.columns.join(', ') + ')'; });
    list.appendChild(el('details', { 'data-table': t.name }, [
      el('summary', { text: 'table ' + t.name + (t.withoutRowid ? ' (WITHOUT ROWID)' : '') + (t.strict ? ' (STRICT)' : '') }),
      columnsTable(t.columns, t.foreignKeys),
      el('p', { class: 'info', text: idx.length ? 'Indexes: ' + idx.join('; ') : 'No indexes.' }),
      el('pre', { text: t.sql })
    ]));
  });
  s.views.forEach(function (v) {
    list.appendChild(el('details', {}, [el('summary', { text: 'view ' + v.name }), columnsTable(v.columns, []), el('pre', { text: v.sql })]));
  });
  (s.declared || []).forEach(function (t) {
    list.appendChild(el('details', { class: 'declared' }, [el('summary', { text: 'schema module: ' + t.name }), columnsTable(t.columns, t.foreignKeys)]));
  });
}

// ---------------------------------------------------------------- data
function openTable(name, filters) {
  state.table = name; state.sort = null; state.dir = 'asc'; state.filters = filters || []; state.starts = []; state.start = null;
  $('data-table').value = name;
  renderFilters();
  show('data');
  return loadRows();
}

function currentTable() {
  var s = state.schema;
  return s.tables.concat(s.views).filter(function (t) { return t.name === state.table; })[0];
}

function renderFilters() {
  var box = clear($('filters'));
  var t = currentTable();
  state.filters.forEach(function (f, i) {
    var col = el('select', { onchange: function () { f.column = col.value; } }, (t ? t.columns : []).map(function (c) { return el('option', { value: c.name, text: c.name }); }));
    col.value = f.column;
    var ops = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'like', 'contains', 'startsWith', 'endsWith', 'isNull', 'isNotNull'];
    var op = el('select', { onchange: function () { f.op = op.value; } }, ops.map(function (o) { return el('option', { value: o, text: o }); }));
    op.value = f.op;
    var val = el('input', { value: f.value == null ? '' : cellText(f.value), placeholder: 'value', oninput: function () { f.value = val.value; } });
    box.appendChild(el('div', { class: 'filter' }, [col, op, val, el('button', { text: '×', title: 'remove', onclick: function () { state.filters.splice(i, 1); renderFilters(); } })]));
  });
}

// Each read of rows is numbered: an answer that arrives after a newer read was asked for (the
// user switched tables or pages quickly) is dropped, never drawn over the newer one.
var rowsAsked = 0;

function loadRows() {
  var asked = ++rowsAsked;
  var table = state.table;
  var q = new URLSearchParams({ table: state.table, size: String(state.size) });
  if (state.sort) { q.set('sort', state.sort); q.set('dir', state.dir); }
  if (state.filters.length) q.set('filters', JSON.stringify(state.filters));
  if (state.start && state.start.after) q.set('after', JSON.stringify(state.start.after));
  if (state.start && state.start.offset !== undefined) q.set('offset', String(state.start.offset));
  return api('/api/rows?' + q.toString()).then(
    function (p) { if (asked === rowsAsked) renderRows(p, table); },
    function (e) { if (asked === rowsAsked) { showError($('rows'), e); $('page-info').textContent = ''; } }
  );
}

function renderRows(p, table) {
  state.page = p;
  var box = clear($('rows'));
  var byName = {};
  p.columns.forEach(function (c) { byName[c.name] = c; });
  var head = el('tr', {}, p.columns.map(function (c) {
    var mark = state.sort === c.name ? (state.dir === 'asc' ? ' ▲' : ' ▼') : '';
    return el('th', { 'data-column': c.name, title: c.type + ' · ' + c.kind + ' · click to sort', text: c.name + mark, onclick: function () { sortBy(c.name); } });
  }));
  if (state.schema.write) head.appendChild(el('th', { text: '' }));
  var t = el('table', { class: 'grid', id: 'rows-table', 'data-table': table }, [head]);
  p.rows.forEach(function (row) {
    var tr = el('tr');
    row.forEach(function (v, i) {
      var col = p.columns[i];
      var td = renderCell(v, col);
      var fk = p.foreignKeys.filter(function (f) { return f.columns.indexOf(col.name) >= 0; })[0];
      if (fk && v !== null) {
        var filters = fk.columns.map(function (c, j) { return { column: fk.to[j], op: 'eq', value: row[p.columns.findIndex(function (x) { return x.name === c; })] }; });
        var a = el('a', { class: 'fk-link', title: 'open ' + fk.table + ' where ' + fk.to.join(', '), text: cellText(v), onclick: function () { openTable(fk.table, filters); } });
        clear(td).appendChild(a);
      }
      tr.appendChild(td);
    });
    if (state.schema.write && p.key.length) tr.appendChild(el('td', {}, [el('button', { text: 'edit', onclick: function () { editor(p, row); } }), el('button', { text: 'delete', onclick: function () { removeRow(p, row); } })]));
    t.appendChild(tr);
  });
  box.appendChild(t);
  var first = state.starts.length * state.size;
  $('page-info').textContent = p.rows.length === 0 ? 'No rows (' + p.total + ' match).' : 'Rows ' + (first + 1) + '–' + (first + p.rows.length) + ' of ' + p.total + ' (paged by ' + p.paging + ')';
  $('prev').disabled = state.starts.length === 0;
  $('next').disabled = p.next === null;
  $('rows-sql').textContent = p.sql;
}

function sortBy(name) {
  if (state.sort === name) state.dir = state.dir === 'asc' ? 'desc' : 'asc'; else { state.sort = name; state.dir = 'asc'; }
  state.starts = []; state.start = null;
  loadRows();
}
function nextPage() { if (!state.page || !state.page.next) return; state.starts.push(state.start); state.start = state.page.next; loadRows(); }
function prevPage() { if (!state.starts.length) return; state.start = state.starts.pop(); loadRows(); }

function keyOf(p, row) {
  var key = {};
  p.key.forEach(function (k) { key[k] = row[p.columns.findIndex(function (c) { return c.name === k; })]; });
  return key;
}
function editResult(promise) {
  return promise.then(function (r) { $('edit-message').textContent = 'Done: ' + r.changes + ' row(s) changed.'; clear($('editor')); loadRows(); }, function (e) { showError($('edit-message'), e); });
}
function removeRow(p, row) {
  if (!window.confirm('Delete this row of ' + p.table + '?')) return;
  editResult(api('/api/edit', { action: 'delete', table: p.table, key: keyOf(p, row) }));
}
function editor(p, row) {
  var box = clear($('editor'));
  var inputs = [];
  var form = el('div', { class: 'editor' }, [el('strong', { text: row ? 'Edit row of ' + p.table : 'New row in ' + p.table })]);
  p.columns.forEach(function (c, i) {
    var v = row ? row[i] : null;
    var editable = !(v && typeof v === 'object' && v.$blob);
    var input = el('input', { value: row && v !== null ? cellText(v) : '', placeholder: row ? '' : (c.default != null ? 'default ' + c.default : '') });
    var isNull = el('input', { type: 'checkbox' });
    if (row && v === null) isNull.checked = true;
    if (!editable) input.disabled = true;
    inputs.push({ c: c, input: input, isNull: isNull, before: v, editable: editable });
    form.appendChild(el('label', {}, [el('span', { text: c.name }), input, isNull, 'NULL']));
  });
  form.appendChild(el('button', { text: row ? 'save' : 'insert', onclick: function () {
    var values = {};
    inputs.forEach(function (x) {
      if (!x.editable) return;
      var v = x.isNull.checked ? null : x.input.value;
      if (row) { if (v !== (x.before === null ? null : cellText(x.before))) values[x.c.name] = v; }
      else if (x.isNull.checked || x.input.value !== '') values[x.c.name] = v;
    });
    editResult(api('/api/edit', row ? { action: 'update', table: p.table, key: keyOf(p, row), values: values } : { action: 'insert', table: p.table, values: values }));
  } }));
  form.appendChild(el('button', { text: 'cancel', onclick: function () { clear(box); } }));
  box.appendChild(form);
}

// ---------------------------------------------------------------- query
function renderPlan(nodes) {
  return el('ul', {}, nodes.map(function (n) { return el('li', { text: n.detail }, n.children.length ? [renderPlan(n.children)] : []); }));
}
function runQuery(offset) {
  state.query.offset = offset || 0;
  var out = clear($('query-result'));
  var status = clear($('query-status'));
  status.textContent = 'Running…';
  return api('/api/query', { sql: $('sql').value, offset: state.query.offset, size: QUERY_PAGE }).then(function (r) {
    status.textContent = r.rows.length + ' row(s)' + (r.more ? ' (more follow)' : '') + ' in ' + r.durationMs.toFixed(2) + ' ms';
    var t = el('table', { class: 'grid', id: 'query-table' }, [el('tr', {}, r.columns.map(function (c) { return el('th', { text: c }); }))]);
    r.rows.forEach(function (row) { t.appendChild(el('tr', {}, row.map(function (v) { return renderCell(v, null); }))); });
    out.appendChild(t);
    $('query-prev').disabled = r.offset === 0;
    $('query-next').disabled = !r.more;
    state.query.size = r.rows.length;
    var plan = clear($('plan'));
    if (r.plan.length) { plan.appendChild(el('h3', { text: 'Query plan' })); plan.appendChild(renderPlan(r.plan)); }
  }, function (e) {
    status.textContent = '';
    out.appendChild(el('div', { class: 'error', id: 'query-error', text: e.message }));
  });
}

// ---------------------------------------------------------------- migrations
function loadMigrations() {
  var box = $('migrations');
  return api('/api/migrations').then(function (m) {
    clear(box);
    if (m.problem) box.appendChild(el('div', { class: 'error', text: m.problem }));
    box.appendChild(el('p', { class: 'info', text: m.folder ? 'Folder: ' + m.folder : 'No migrations folder given: only what _lite_migr records is shown.' }));
    if (!m.migrations.length) box.appendChild(el('p', { text: 'No migrations.' }));
    m.migrations.forEach(function (x) {
      var flags = [x.state].concat(x.edited ? ['EDITED since applied'] : [], x.missing ? ['FILE MISSING'] : []);
      box.appendChild(el('details', { class: 'migration ' + x.state, 'data-name': x.name }, [
        el('summary', { text: x.name + ' — ' + flags.join(', ') + (x.appliedAt ? ' — applied ' + x.appliedAt : '') }),
        el('p', { class: 'info', text: 'checksum ' + x.checksum + (x.fileChecksum && x.fileChecksum !== x.checksum ? ' (file now ' + x.fileChecksum + ')' : '') }),
        el('pre', { text: x.kind === 'module' ? '(a module migration: its up(op) runs)' : x.up.join(';\n') + (x.up.length ? ';' : '') }),
        x.down ? el('pre', { text: '-- down\n' + x.down.join(';\n') + ';' }) : null
      ]));
    });
  }, function (e) { showError(box, e); });
}

// ---------------------------------------------------------------- start
document.addEventListener('DOMContentLoaded', function () {
  ['schema', 'data', 'query', 'migrations'].forEach(function (n) { $('tab-' + n).addEventListener('click', function () { show(n); }); });
  $('data-table').addEventListener('change', function () { openTable($('data-table').value, []); });
  $('page-size').addEventListener('change', function () { state.size = Number($('page-size').value); state.starts = []; state.start = null; loadRows(); });
  $('add-filter').addEventListener('click', function () { var t = currentTable(); if (!t) return; state.filters.push({ column: t.columns[0].name, op: 'eq', value: '' }); renderFilters(); });
  $('apply').addEventListener('click', function () { state.starts = []; state.start = null; loadRows(); });
  $('next').addEventListener('click', nextPage);
  $('prev').addEventListener('click', prevPage);
  $('run').addEventListener('click', function () { runQuery(0); });
  $('query-next').addEventListener('click', function () { runQuery(state.query.offset + state.query.size); });
  $('query-prev').addEventListener('click', function () { runQuery(Math.max(0, state.query.offset - QUERY_PAGE)); });
  $('sql').addEventListener('keydown', function (e) { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) runQuery(0); });
  loadSchema().then(function (s) {
    document.body.setAttribute('data-ready', 'true');
    if (!s.write) $('insert').style.display = 'none';
    $('insert').addEventListener('click', function () { if (state.page) editor(state.page, null); });
    var first = s.tables[0] || s.views[0];
    if (first) { state.table = first.name; $('data-table').value = first.name; loadRows(); }
  }, function (e) { showError($('drift'), e); });
});
`

const BODY = String.raw`
<header>
  <h1>fp-lite-orm studio</h1><span class="db" id="db"></span><span id="mode"></span>
  <nav>
    <button id="tab-schema" class="active">Schema</button><button id="tab-data">Data</button><button id="tab-query">Query</button><button id="tab-migrations">Migrations</button>
  </nav>
</header>
<main>
  <section id="view-schema" class="active">
    <div id="drift"></div>
    <div class="scroll"><svg id="diagram" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="schema diagram"></svg></div>
    <div id="schema-list"></div>
  </section>
  <section id="view-data">
    <div class="controls">
      <label>Table <select id="data-table"></select></label>
      <label>Rows per page <select id="page-size"><option>20</option><option selected>50</option><option>100</option><option>500</option></select></label>
      <button id="add-filter">+ filter</button><button id="apply">apply</button>
      <button id="prev" disabled>◀ previous</button><button id="next" disabled>next ▶</button>
      <button id="insert">+ row</button>
      <span id="page-info" class="info"></span>
    </div>
    <div id="filters"></div>
    <div id="editor"></div><div id="edit-message"></div>
    <div id="rows"></div>
    <details><summary>SQL</summary><pre id="rows-sql"></pre></details>
  </section>
  <section id="view-query">
    <p class="info">One statement that reads, on a read-only connection (Ctrl+Enter runs it).</p>
    <textarea id="sql" spellcheck="false">SELECT name, type FROM sqlite_schema ORDER BY name</textarea>
    <div class="controls"><button id="run">Run</button><button id="query-prev" disabled>◀</button><button id="query-next" disabled>▶</button><span id="query-status" class="info"></span></div>
    <div id="query-result"></div>
    <div id="plan" class="plan"></div>
  </section>
  <section id="view-migrations"><div id="migrations"></div></section>
</main>
`

/** The page, its script and style allowed by the response's Content-Security-Policy nonce. */
export const page = (nonce: string): string =>
  [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer"><title>fp-lite-orm studio</title>',
    `<style nonce="${nonce}">${STYLE}</style>`,
    `</head><body>${BODY}<script nonce="${nonce}">${SCRIPT}</script></body></html>`
  ].join('\n')
