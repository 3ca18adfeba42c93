// The cast panel: who the character analysis found in the clip (best face, name, shots), their
// tracked boxes over the picture, and the characters that the mask pickers offer. Renames and
// merges go to the media's cast on the server, which every session on that media shares.
import { call, subscribe, withSession } from './http.js';

const $ = (sel) => document.querySelector(sel);

let cast = null;  // the media's cast, as GET /v1/media/{id}/characters returns it; null: none yet
let castMedia = '';
let hooks = {
  frame: () => 0,                  // the frame on the picture
  mediaInfo: () => null,           // {width, height, ...} of castMedia
  frameRect: () => null,           // where the frame lies in the stage (app.js)
  jump: (frame) => {},             // show this frame
  changed: () => {},               // the characters changed: pickers and previews follow
  corrected: () => {},             // this page changed the cast: tell the session
  status: (text) => {},
};

export function initCast(h) {
  hooks = { ...hooks, ...h };
  $('#find-characters').addEventListener('click', findCharacters);
  $('#show-tracks').addEventListener('change', () => renderTracks());
}

export function characters() { return cast?.characters || []; }

// A character's colour on the picture and in the panel, the same for everyone on the session.
export function colour(id) { return `hsl(${(id * 137 + 40) % 360} 85% 62%)`; }

export async function loadCast(mediaId) {
  castMedia = mediaId;
  let found = null;
  try {
    if (mediaId) found = await call('GET', `/v1/media/${mediaId}/characters`);  // none: no clip
  } catch (e) {
    if (e.status !== 404) hooks.status(e.message);  // 404: not analysed yet
  }
  if (castMedia !== mediaId) return;  // another clip was picked meanwhile
  cast = found;
  render();
}

function render() {
  renderPanel();
  renderTracks();
  hooks.changed();
}

async function findCharacters() {
  const media = castMedia;
  const button = $('#find-characters');
  button.disabled = true;
  $('#cast-info').textContent = 'finding characters…';
  const done = (text) => { button.disabled = false; if (text) $('#cast-info').textContent = text; };
  try {
    const job = await call('POST', `/v1/media/${media}/characters`, {});
    subscribe(`/v1/jobs/${job.id}/events`, async (type, data) => {
      if (type === 'progress' && data.phase === 'analysis') {
        $('#cast-info').textContent = `finding characters: ${Math.round((100 * data.done) / Math.max(1, data.total))}%`;
      } else if (type === 'state' && data.state === 'succeeded') {
        done('');
        await loadCast(media);
        hooks.corrected();
      } else if (type === 'state' && ['failed', 'cancelled'].includes(data.state)) {
        done(data.error?.message || `the analysis was ${data.state}`);
      }
    });
  } catch (e) {
    done(e.message);
  }
}

async function correct(body) {
  try {
    cast = await call('POST', `/v1/media/${castMedia}/characters/corrections`, body);
    render();
    hooks.corrected();
  } catch (e) {
    hooks.status(e.field ? `${e.message} (${e.field})` : e.message);
    renderPanel();  // back to what the server holds
  }
}

// --- the panel ----------------------------------------------------------------------------
function renderPanel() {
  const list = $('#cast');
  list.replaceChildren();
  if (!cast) {
    $('#cast-info').textContent = 'Not analysed yet.';
    return;
  }
  const n = cast.characters.length;
  $('#cast-info').textContent = n
    ? `${n} character${n > 1 ? 's' : ''} in ${cast.shots.length} shot${cast.shots.length > 1 ? 's' : ''}`
    : 'No faces were found in this clip.';
  for (const c of cast.characters) {
    const li = document.createElement('li');
    li.dataset.character = String(c.id);
    li.style.setProperty('--who', colour(c.id));
    const face = Object.assign(document.createElement('canvas'), { width: 56, height: 56, className: 'face' });
    face.title = `character ${c.id}, seen on ${c.frames_seen} frames`;
    drawBestFace(face, c);
    const name = Object.assign(document.createElement('input'), { className: 'name', value: c.name });
    name.setAttribute('aria-label', `name of character ${c.id}`);
    name.addEventListener('change', () => {
      if (name.value.trim() && name.value.trim() !== c.name) correct({ op: 'rename', id: c.id, name: name.value.trim() });
    });
    const shots = document.createElement('div');
    shots.className = 'shots';
    const byShot = new Map();
    for (const t of c.tracks) if (!byShot.has(t.shot)) byShot.set(t.shot, t);
    for (const [shot, t] of byShot) {
      const b = Object.assign(document.createElement('button'), { textContent: `shot ${shot + 1}`, className: 'shot' });
      b.title = `frames ${t.start}–${t.end}`;
      b.addEventListener('click', () => hooks.jump(Math.round((t.start + t.end) / 2)));
      shots.append(b);
    }
    const body = document.createElement('div');
    body.append(name, shots);
    li.append(face, body);
    if (cast.characters.length > 1) {
      const merge = document.createElement('select');
      merge.className = 'merge';
      merge.setAttribute('aria-label', `merge character ${c.id} into`);
      merge.append(new Option('merge into…', ''));
      for (const o of cast.characters) if (o.id !== c.id) merge.append(new Option(o.name, String(o.id)));
      merge.addEventListener('change', () => {
        if (merge.value) correct({ op: 'merge', into: Number(merge.value), id: c.id });
      });
      body.append(merge);
    }
    list.append(li);
  }
}

// The character's clearest sighting: the most confident of their largest faces.
function bestBox(c) {
  let best = null;
  for (const t of c.tracks)
    for (const b of t.boxes) if (!best || b[5] * b[3] > best[5] * best[3]) best = b;
  return best;
}

async function drawBestFace(canvas, c) {
  const box = bestBox(c);
  const info = hooks.mediaInfo();
  if (!box || !info) return;
  // The smallest frame the server gives that still holds the face at the thumbnail's size.
  let scale = 1;
  for (const s of [0.5, 0.25, 0.125]) if (box[3] * s >= canvas.width) scale = s;
  const res = await fetch(`/v1/media/${castMedia}/frames/${box[0]}?scale=${scale}`, withSession());
  if (!res.ok) return;
  const image = await createImageBitmap(await res.blob());
  const k = image.width / info.width;
  const side = box[3] * 1.3;  // a margin round the face
  const x = box[1] + box[3] / 2 - side / 2, y = box[2] + box[4] / 2 - side / 2;
  canvas.getContext('2d').drawImage(image, x * k, y * k, side * k, side * k, 0, 0, canvas.width, canvas.height);
  canvas.dataset.drawn = 'true';
}

// --- boxes over the picture ---------------------------------------------------------------
// The face between two sightings moves linearly, as the character's matte follows it.
export function boxAt(track, frame) {
  if (frame < track.start || frame > track.end) return null;
  const boxes = track.boxes;
  let hi = boxes.findIndex((b) => b[0] >= frame);
  if (hi < 0) return null;
  if (boxes[hi][0] === frame || hi === 0) return boxes[hi].slice(1, 5);
  const a = boxes[hi - 1], b = boxes[hi];
  const t = (frame - a[0]) / (b[0] - a[0]);
  return [1, 2, 3, 4].map((k) => a[k] + t * (b[k] - a[k]));
}

export function renderTracks() {
  const layer = $('#tracks');
  layer.replaceChildren();
  if (!cast || !$('#show-tracks').checked) return;
  const r = hooks.frameRect();
  const frame = hooks.frame();
  for (const c of cast.characters)
    for (const t of c.tracks) {
      const box = boxAt(t, frame);
      if (!box) continue;
      const [x, y, w, h] = box;
      const d = document.createElement('div');
      d.className = 'track';
      d.dataset.character = String(c.id);
      d.dataset.box = box.map((v) => v.toFixed(1)).join(' ');
      d.style.setProperty('--who', colour(c.id));
      Object.assign(d.style, {
        left: `${r.x + (x / r.fw) * r.w}px`, top: `${r.y + (y / r.fh) * r.h}px`,
        width: `${(w / r.fw) * r.w}px`, height: `${(h / r.fh) * r.h}px`,
      });
      const label = document.createElement('span');
      label.textContent = c.name;
      d.append(label);
      layer.append(d);
    }
}
