// framelock live session: pick a clip, build a small graph, see coarse-to-fine previews, compare
// before/after, render as a job. Everyone on the same session URL sees the same state.
import { auth, call, readStream, subscribe, withSession } from './http.js';
import * as castPanel from './cast.js';
import * as jobsPanel from './jobs.js';

const $ = (sel) => document.querySelector(sel);
const clientId = Math.random().toString(36).slice(2);

const hash = new URLSearchParams(location.hash.slice(1));
// A token handed over in a link (#token=) is exchanged for a cookie session at start and kept
// nowhere: not in storage, and out of the address bar (and its history entry) at once, whatever
// else the link holds: a joined session's link is the one people copy and share.
let handedToken = hash.get('token') || '';
if (handedToken) {
  hash.delete('token');
  history.replaceState(null, '', `${location.pathname}${location.search}${hash.toString() ? `#${hash}` : ''}`);
}

// --- state --------------------------------------------------------------------------------
let ops = [];
let media = [];
let session = null;  // {id, version}
let state = { media: '', frame: 0, chain: [], compare: false, split: 50, driver: clientId };
let previewCtrl = null;
let previewSeq = 0;  // the server drops a request that arrives after a newer one of ours

function opSchema(name) { return ops.find((o) => o.name === name); }
// Ops with a `mask` input (fill, clean_plate) take it from a box drawn on the picture or from a
// character of the cast; required when the op cannot run without it. Every other op can be
// limited to a box or a character the same way (mixed over its input through that mask).
function maskInput(name) { return opSchema(name)?.inputs?.find((i) => i.name === 'mask'); }

// The mask node of a chain entry over `upstream`, or null when it has none.
function maskNode(nodes, n, id, upstream) {
  if (n.character !== undefined && n.character !== null) {
    // Fill must cover the whole person with a margin; a grade wants a soft edge.
    const removing = !!maskInput(n.op);
    nodes[`${id}_mask`] = {
      op: 'character_mask', inputs: [upstream],
      params: { character: String(n.character), cast: `cast:${state.media}`, dilate: removing ? 8 : 0, feather: removing ? 2 : 6 },
    };
    return `${id}_mask`;
  }
  if (n.mask) {
    nodes[`${id}_mask`] = { op: 'mask', inputs: [upstream], params: { shape: n.mask, dilate: 4 } };
    return `${id}_mask`;
  }
  return null;
}

function buildGraph() {
  const nodes = {};
  let upstream = 'clip';
  state.chain.forEach((n, i) => {
    const id = `n${i}_${n.op}`;
    const input = maskInput(n.op);
    const mask = maskNode(nodes, n, id, upstream);
    if (input) {
      if (!mask && !input.optional) return;  // nothing to remove yet: the op waits for its mask
      nodes[id] = { op: n.op, inputs: mask ? [upstream, mask] : [upstream], params: n.params };
      upstream = id;
    } else if (mask) {
      nodes[id] = { op: n.op, inputs: [upstream], params: n.params };
      nodes[`${id}_only`] = { op: 'mix', inputs: [upstream, id, mask], params: {} };
      upstream = `${id}_only`;
    } else {
      nodes[id] = { op: n.op, inputs: [upstream], params: n.params };
      upstream = id;
    }
  });
  return { graph: { sources: { clip: { media: state.media } }, nodes }, node: upstream };
}

// --- masks drawn on the picture -----------------------------------------------------------
let drawingFor = -1;  // chain index whose box is being drawn

// Where the frame lies inside the stage (the image is letterboxed to fit), in stage pixels.
function frameRect() {
  const m = media.find((x) => x.id === state.media);
  const stage = $('#stage').getBoundingClientRect();
  if (!m) return { x: 0, y: 0, w: stage.width, h: stage.height, fw: 1, fh: 1 };
  const s = Math.min(stage.width / m.info.width, stage.height / m.info.height);
  const w = m.info.width * s, h = m.info.height * s;
  return { x: (stage.width - w) / 2, y: (stage.height - h) / 2, w, h, fw: m.info.width, fh: m.info.height };
}

function renderMasks(extra) {
  const layer = $('#masks');
  layer.replaceChildren();
  const r = frameRect();
  const boxes = state.chain.filter((n) => n.mask).map((n) => n.mask);
  if (extra) boxes.push(extra);
  for (const shape of boxes) {
    const v = shape.trim().split(/\s+/);
    if (v[0] !== 'rect' || v.length !== 5) continue;
    const [x, y, w, h] = v.slice(1).map(Number);
    const d = document.createElement('div');
    d.className = 'box';
    Object.assign(d.style, {
      left: `${r.x + (x / r.fw) * r.w}px`, top: `${r.y + (y / r.fh) * r.h}px`,
      width: `${(w / r.fw) * r.w}px`, height: `${(h / r.fh) * r.h}px`,
    });
    layer.append(d);
  }
}

function framePoint(e) {
  const stage = $('#stage').getBoundingClientRect();
  const r = frameRect();
  const fx = ((e.clientX - stage.left - r.x) / r.w) * r.fw, fy = ((e.clientY - stage.top - r.y) / r.h) * r.fh;
  return [Math.round(Math.min(Math.max(fx, 0), r.fw)), Math.round(Math.min(Math.max(fy, 0), r.fh))];
}

let dragFrom = null;
$('#stage').addEventListener('dragstart', (e) => e.preventDefault());  // no image ghost
$('#stage').addEventListener('pointerdown', (e) => {
  if (drawingFor < 0) return;
  e.preventDefault();
  dragFrom = framePoint(e);
  $('#stage').setPointerCapture(e.pointerId);
});
const boxShape = (a, b) => {
  const x = Math.min(a[0], b[0]), y = Math.min(a[1], b[1]);
  return `rect ${x} ${y} ${Math.abs(b[0] - a[0])} ${Math.abs(b[1] - a[1])}`;
};
$('#stage').addEventListener('pointermove', (e) => {
  if (drawingFor >= 0 && dragFrom) renderMasks(boxShape(dragFrom, framePoint(e)));
});
$('#stage').addEventListener('pointerup', (e) => {
  if (drawingFor < 0 || !dragFrom) return;
  const to = framePoint(e);
  const node = state.chain[drawingFor];
  if (node && Math.abs(to[0] - dragFrom[0]) >= 2 && Math.abs(to[1] - dragFrom[1]) >= 2) node.mask = boxShape(dragFrom, to);
  dragFrom = null;
  drawingFor = -1;
  $('#stage').classList.remove('drawing');
  renderChain();
  renderMasks();
  pushState();
  requestPreview();
});
window.addEventListener('resize', () => { renderMasks(); castPanel.renderTracks(); });

function setStatus(text) { $('#status').textContent = text; }

// --- shared session -----------------------------------------------------------------------
async function pushState() {
  state.driver = clientId;
  try {
    const s = await call('PUT', `/v1/sessions/${session.id}/state`, { state, version: session.version });
    session.version = s.version;
  } catch (e) {
    if (e.status === 409) {  // someone else changed it first: take theirs, then ours again
      const s = await call('GET', `/v1/sessions/${session.id}`);
      session.version = s.version;
      const s2 = await call('PUT', `/v1/sessions/${session.id}/state`, { state, version: session.version });
      session.version = s2.version;
    } else setStatus(e.message);
  }
}

function onSessionEvent(type, data) {
  if (type === 'session' && data.version > session.version && data.state?.driver !== clientId) {
    session.version = data.version;
    if (data.state && data.state.media) {
      state = { ...state, ...data.state };
      renderAll(false);
    }
  } else if (type === 'preview' && state.driver !== clientId) {
    $('#after').src = data.image;  // watchers see what the driver renders, without rendering
    $('#preview-info').textContent = `level ${data.level} (1/${1 / data.scale}) ${(data.seconds * 1000).toFixed(0)} ms, from ${$('#session-info').dataset.driver || 'the session'}`;
  }
}

// --- previews -----------------------------------------------------------------------------
async function requestPreview() {
  if (!state.media) return;
  if (previewCtrl) previewCtrl.abort();
  const ctrl = new AbortController();
  previewCtrl = ctrl;
  const { graph, node } = buildGraph();
  const t0 = performance.now();
  try {
    const res = await fetch('/v1/previews', withSession('POST', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ project: session.project, session: session.id, client: clientId, seq: ++previewSeq, graph, node, frame: state.frame }),
      signal: ctrl.signal,
    }));
    if (!res.ok) {
      const j = await res.json().catch(() => null);
      setStatus(j?.error ? `${j.error.message}` : `preview: HTTP ${res.status}`);
      return;
    }
    await readStream(res, '\n', (line) => {
      const level = JSON.parse(line);
      if (level.error) {
        if (level.error.code !== 'cancelled') setStatus(level.error.message);
        return;
      }
      if (ctrl !== previewCtrl) return;
      $('#after').src = level.image;
      $('#after').dataset.level = String(level.level);
      $('#after').dataset.final = String(level.final);
      const ms = performance.now() - t0;
      if (level.level === 0) $('#after').dataset.firstMs = ms.toFixed(1);  // request -> coarse image
      $('#preview-info').textContent =
        `level ${level.level}: ${level.width}×${level.height} in ${(level.seconds * 1000).toFixed(0)} ms server, ${ms.toFixed(0)} ms here`;
      setStatus('');
    });
  } catch (e) {
    if (e.name !== 'AbortError') setStatus(e.message);
  }
  if (state.compare) loadBefore();
}

async function loadBefore() {
  const res = await fetch(`/v1/media/${state.media}/frames/${state.frame}?scale=0.5`, withSession());
  if (res.ok) $('#before').src = URL.createObjectURL(await res.blob());
}

// --- UI -----------------------------------------------------------------------------------
function paramControl(nodeIndex, spec) {
  const node = state.chain[nodeIndex];
  const wrap = document.createElement('div');
  wrap.className = 'param';
  const label = document.createElement('label');
  label.textContent = spec.name;
  label.title = spec.doc || '';
  wrap.append(label);
  const value = node.params[spec.name] ?? spec.default;
  const out = document.createElement('output');
  const changed = (v) => {
    node.params[spec.name] = v;
    out.textContent = Array.isArray(v) ? v.map((x) => x.toFixed(2)).join(' ') : typeof v === 'number' ? v.toFixed(2) : '';
    pushState();
    requestPreview();
  };
  const slider = (min, max, step, v, set) => {
    const s = document.createElement('input');
    s.type = 'range';
    s.min = min; s.max = max; s.step = step; s.value = v;
    s.dataset.param = spec.name;
    s.addEventListener('input', () => set(Number(s.value)));
    return s;
  };
  // Slider ranges: the schema's, narrowed to +-4 about the default (what an artist drags through).
  const d = typeof spec.default === 'number' ? spec.default : Array.isArray(spec.default) ? spec.default[0] : 0;
  let lo = spec.min ?? d - 4, hi = spec.max ?? d + 4;
  if (hi - lo > 8) { lo = Math.max(lo, d - 4); hi = Math.min(hi, d + 4); }
  if (spec.type === 'float' || spec.type === 'int') {
    wrap.append(slider(lo, hi, spec.type === 'int' ? 1 : 0.01, value ?? 0, changed));
  } else if (spec.type === 'vec3') {
    const box = document.createElement('div');
    const v = [...(value || [0, 0, 0])];
    for (let k = 0; k < 3; k++) box.append(slider(lo, hi, 0.01, v[k], (x) => { v[k] = x; changed([...v]); }));
    wrap.append(box);
  } else if (spec.type === 'bool') {
    const c = document.createElement('input');
    c.type = 'checkbox';
    c.checked = !!value;
    c.addEventListener('change', () => changed(c.checked));
    wrap.append(c);
  } else if (spec.type === 'enum') {
    const s = document.createElement('select');
    for (const choice of spec.choices || []) s.append(new Option(choice, choice, false, choice === value));
    s.addEventListener('change', () => changed(s.value));
    wrap.append(s);
  } else {
    const t = document.createElement('input');
    t.value = value ?? '';
    t.addEventListener('change', () => changed(t.value));
    wrap.append(t);
  }
  out.textContent = typeof value === 'number' ? value.toFixed(2) : '';
  wrap.append(out);
  return wrap;
}

// Where an op acts: its mask input (fill, clean_plate), or for any other op the part of the
// picture it is limited to. A box drawn on the picture, or a character of the cast.
function maskRow(node, i) {
  const input = maskInput(node.op);
  const required = input && !input.optional;
  const row = document.createElement('div');
  row.className = 'mask-row';
  const label = document.createElement('label');
  label.textContent = input ? 'mask' : 'only in';
  label.title = input?.doc || 'Limit the op to a box or a character';
  const pick = document.createElement('select');
  pick.className = 'mask-source';
  pick.setAttribute('aria-label', `${node.op}: ${label.textContent}`);
  if (!required) pick.append(new Option(input ? 'none' : 'everywhere', 'none'));
  pick.append(new Option('box', 'box'));
  for (const c of castPanel.characters()) pick.append(new Option(c.name, `c${c.id}`));
  const hasCharacter = node.character !== undefined && node.character !== null;
  pick.value = hasCharacter ? `c${node.character}` : node.mask || node.box || required ? 'box' : 'none';
  if (hasCharacter && pick.value !== `c${node.character}`) {  // merged away or re-analysed
    pick.append(new Option(`character ${node.character} (not in the cast)`, `c${node.character}`));
    pick.value = `c${node.character}`;
  }
  pick.addEventListener('change', () => {
    delete node.character;
    delete node.box;
    if (pick.value.startsWith('c')) {
      node.character = Number(pick.value.slice(1));
      delete node.mask;
    } else if (pick.value === 'box') {
      node.box = true;
    } else {
      delete node.mask;
    }
    renderChain();
    renderMasks();
    pushState();
    requestPreview();
  });
  row.append(label, pick);
  const out = [row];
  if (pick.value === 'box') {
    const shape = document.createElement('input');
    shape.value = node.mask || '';
    shape.placeholder = 'rect x y w h';
    shape.dataset.mask = '';
    shape.addEventListener('change', () => { node.mask = shape.value.trim(); renderMasks(); pushState(); requestPreview(); });
    const draw = document.createElement('button');
    draw.textContent = 'Draw';
    draw.className = 'draw-mask';
    draw.addEventListener('click', () => {
      drawingFor = i;
      $('#stage').classList.add('drawing');
      setStatus(input ? 'drag a box over what to remove' : 'drag a box over where the op acts');
    });
    const boxRow = document.createElement('div');
    boxRow.className = 'mask-row';
    boxRow.append(document.createElement('span'), shape, draw);
    out.push(boxRow);
  }
  if (required && !node.mask && !hasCharacter) {
    const hint = document.createElement('div');
    hint.className = 'hint';
    hint.textContent = 'Draw a box on the picture around what to remove, or pick a character.';
    out.push(hint);
  }
  return out;
}

function renderChain() {
  const list = $('#chain');
  list.replaceChildren();
  state.chain.forEach((node, i) => {
    const schema = opSchema(node.op);
    const li = document.createElement('li');
    li.dataset.op = node.op;
    const head = document.createElement('div');
    head.className = 'op-head';
    head.append(node.op);
    const remove = document.createElement('button');
    remove.textContent = '×';
    remove.title = 'remove';
    remove.addEventListener('click', () => { state.chain.splice(i, 1); renderChain(); renderMasks(); pushState(); requestPreview(); });
    head.append(remove);
    li.append(head);
    li.append(...maskRow(node, i));
    for (const p of schema?.params || []) li.append(paramControl(i, p));
    list.append(li);
  });
}

function renderAll(preview = true) {
  $('#media-select').value = state.media;
  const m = media.find((x) => x.id === state.media);
  if (m) {
    $('#frame').max = String(Math.max(0, m.info.frame_count - 1));
    $('#media-info').textContent = `${m.info.width}×${m.info.height}, ${m.info.frame_count} frames at ${m.info.fps.toFixed(3)} fps`;
  }
  $('#frame').value = String(state.frame);
  $('#frame-out').textContent = String(state.frame);
  $('#compare').checked = state.compare;
  $('#split').value = String(state.split);
  $('#stage').classList.toggle('compare', state.compare);
  $('#stage').style.setProperty('--split', `${state.split}%`);
  renderChain();
  renderMasks();
  syncCast();
  if (preview && state.driver === clientId) requestPreview();
  if (state.compare) loadBefore();
}

// --- the cast (cast.js) -------------------------------------------------------------------
// The session carries a revision of the media's cast, so a rename or a new analysis made in one
// browser reloads the panel in every other.
let castShown = { media: '', rev: -1 };
function syncCast() {
  const rev = state.castRev || 0;
  if (castShown.media === state.media && castShown.rev === rev) return castPanel.renderTracks();
  castShown = { media: state.media, rev };
  castPanel.loadCast(state.media);
}

function showFrame(frame) {
  state.frame = frame;
  $('#frame').value = String(frame);
  $('#frame-out').textContent = String(frame);
  castPanel.renderTracks();
  pushState();
  requestPreview();
}

castPanel.initCast({
  frame: () => state.frame,
  mediaInfo: () => media.find((x) => x.id === state.media)?.info,
  frameRect,
  jump: showFrame,
  changed: () => renderChain(),
  corrected: () => {
    state.castRev = (state.castRev || 0) + 1;
    castShown.rev = state.castRev;
    pushState();
    // A chain that uses a character reads the cast: its picture may change with it.
    if (state.chain.some((n) => n.character !== undefined && n.character !== null)) requestPreview();
  },
  status: setStatus,
});

// A bearer token exchanged for this page's cookie session (201), or an error to show.
async function openSession(token) {
  const res = await fetch('/v1/auth/session', {
    method: 'POST', credentials: 'same-origin', headers: { Authorization: `Bearer ${token}` },
  });
  const j = await res.json().catch(() => null);
  if (!res.ok) throw new Error(j?.error?.message || `HTTP ${res.status}`);
  auth.csrf = j.csrf;
}

// The sign-in screen: the studio's IdP when the server has one, and a token field.
async function showSignIn(message) {
  $('#signin').hidden = false;
  if (message) setStatus(message);
  const config = await fetch('/v1/auth/config').then((r) => r.json()).catch(() => ({}));
  if (config.oidc) {
    const back = `${location.pathname}${location.search}${location.hash}`;
    $('#idp-signin').href = `${config.login}?return=${encodeURIComponent(back)}`;
    $('#idp-signin').hidden = false;
  }
}

async function start() {
  try {
    if (handedToken) {
      const token = handedToken;
      handedToken = '';
      await openSession(token);
    }
    const s = await call('GET', '/v1/auth/session');
    if (s.csrf) auth.csrf = s.csrf;
    $('#who').textContent = s.principal.name;
    $('#signout').hidden = false;
    ops = (await call('GET', '/v1/ops')).ops;
    media = (await call('GET', '/v1/media')).media;
  } catch (e) {
    if (e.status === 401 || e.status === undefined) return showSignIn(e.status ? '' : e.message);
    setStatus(e.message);
    return;
  }
  $('#app').hidden = false;
  for (const o of ops) $('#op-select').append(new Option(o.name, o.name));

  // A session lives in one project: the one joined, or the first of the caller's they may edit
  // in (one with footage first).
  const joining = hash.get('session');
  if (joining) {
    const s = await call('GET', `/v1/sessions/${joining}`);
    session = { id: s.id, version: s.version, project: s.project };
    if (s.state && s.state.media) state = { ...state, ...s.state };
  } else {
    const projects = (await call('GET', '/v1/projects')).projects;
    const editable = projects.filter((p) => p.role === 'artist' || p.role === 'admin');
    const project = editable.find((p) => media.some((m) => m.project === p.id)) || editable[0];
    if (!project) {
      setStatus('No project of yours lets you edit: ask a project admin for the artist role.');
      return;
    }
    const s = await call('POST', '/v1/sessions', { project: project.id });
    session = { id: s.id, version: s.version, project: s.project };
    hash.set('session', s.id);
    history.replaceState(null, '', `#${hash}`);
  }
  session.role = (await call('GET', `/v1/projects/${session.project}`)).role;
  jobsPanel.initJobs({ role: () => session?.role, status: setStatus });
  if (session.role === 'admin') jobsPanel.showHeld(session.project);
  media = media.filter((m) => m.project === session.project);
  for (const m of media) $('#media-select').append(new Option(m.path.split('/').pop(), m.id));
  $('#session-info').textContent = `${session.project} · session ${session.id}`;
  if (!state.media && media.length) state.media = media[0].id;
  subscribe(`/v1/sessions/${session.id}/events`, onSessionEvent);
  renderAll(!joining);
  if (!joining) pushState();
}

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    await openSession($('#token-input').value.trim());
  } catch (err) {
    setStatus(err.message);
    return;
  }
  $('#token-input').value = '';
  $('#signin').hidden = true;
  start();
});
$('#signout').addEventListener('click', async () => {
  await call('DELETE', '/v1/auth/session').catch(() => null);
  location.hash = '';
  location.reload();
});
$('#media-select').addEventListener('change', () => { state.media = $('#media-select').value; state.frame = 0; renderAll(); pushState(); });
$('#frame').addEventListener('input', () => showFrame(Number($('#frame').value)));
$('#add-op').addEventListener('click', () => {
  const name = $('#op-select').value;
  const schema = opSchema(name);
  const params = {};
  for (const p of schema?.params || []) if (p.default !== undefined && p.default !== null) params[p.name] = p.default;
  state.chain.push({ op: name, params });
  renderChain();
  pushState();
  requestPreview();
});
$('#compare').addEventListener('change', () => { state.compare = $('#compare').checked; renderAll(false); pushState(); });
$('#split').addEventListener('input', () => {
  state.split = Number($('#split').value);
  $('#stage').style.setProperty('--split', `${state.split}%`);
  pushState();
});
$('#start-job').addEventListener('click', async () => {
  const { graph, node } = buildGraph();
  try {
    const job = await call('POST', '/v1/jobs', { project: session.project, graph, output: { node, name: $('#out-name').value } });
    jobsPanel.addJob(job);
  } catch (e) {
    setStatus(e.field ? `${e.message} (${e.field})` : e.message);
  }
});

start();
