// The jobs panel: the jobs this page started, with progress, previews and downloads; and, for a
// project's admins, the project's jobs that the content policy holds for review, wherever they
// were started (the page, the API, another admin's session), with Approve and Reject.
import { call, subscribe, withSession } from './http.js';

const $ = (sel) => document.querySelector(sel);

let hooks = {
  role: () => '',        // the caller's role in the session's project
  status: (text) => {},
};

export function initJobs(h) { hooks = { ...hooks, ...h }; }

// A button that saves the job's output (the cookie session goes with the request).
function downloadButton(j, label, className) {
  const b = document.createElement('button');
  b.className = className;
  b.textContent = label;
  b.addEventListener('click', async () => {
    const res = await fetch(`/v1/jobs/${j.id}/output`, withSession());
    if (!res.ok) {
      const e = await res.json().catch(() => null);
      hooks.status(e?.error?.message || `download: HTTP ${res.status}`);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    Object.assign(document.createElement('a'), { href: url, download: j.output.name }).click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  });
  return b;
}

export function addJob(job, list = '#jobs') {
  const li = document.createElement('li');
  li.dataset.job = job.id;
  const title = document.createElement('div');
  const bar = document.createElement('progress');
  bar.max = 1; bar.value = 0;
  const info = document.createElement('div');
  info.className = 'muted';
  const cancel = document.createElement('button');
  cancel.textContent = 'Cancel';
  cancel.className = 'cancel';
  cancel.addEventListener('click', async () => {
    try { await call('DELETE', `/v1/jobs/${job.id}`); } catch (e) { hooks.status(e.message); }
  });
  const update = (j) => {
    title.textContent = `${j.output?.name || ''} — ${j.state}`;
    li.dataset.state = j.state;
    if (j.frames_total) bar.value = j.frames_done / j.frames_total;
    if (['succeeded', 'failed', 'cancelled'].includes(j.state)) {
      cancel.remove();
      li.dataset.review = j.review || '';
      li.querySelectorAll('.review').forEach((b) => b.remove());
      if (j.review === 'held') {
        // The studio's content policy held it: a project admin looks at it (the server gives a
        // held output to them alone, and audits it), then approves or rejects.
        info.textContent = 'Held for review by the content policy.';
        if (hooks.role() === 'admin') {
          li.append(downloadButton(j, 'Look', 'review'));
          for (const [label, decision] of [['Approve', 'approve'], ['Reject', 'reject']]) {
            const b = document.createElement('button');
            b.textContent = label;
            b.className = 'review';
            b.addEventListener('click', async () => {
              try { update(await call('POST', `/v1/jobs/${j.id}/review`, { decision })); } catch (e) { hooks.status(e.message); }
            });
            li.append(b);
          }
        }
      } else if (j.review === 'approved') {
        info.textContent = 'Approved in review.';
      } else if (j.review === 'rejected') {
        info.textContent = 'Rejected in review.';
      }
      if (j.output?.url && !li.querySelector('.download')) li.append(downloadButton(j, 'Download', 'download'));
      if (j.error) info.textContent = j.error.message;
    }
  };
  li.append(title, bar, info, cancel);
  if (job.warnings?.length) {
    const warn = document.createElement('div');
    warn.className = 'hint';
    warn.textContent = job.warnings.join('; ');
    li.append(warn);
  }
  $(list).prepend(li);
  update(job);
  subscribe(`/v1/jobs/${job.id}/events`, (type, data) => {
    if (type === 'state') update(data);
    else if (type === 'progress' && data.phase === 'analysis') {
      info.textContent = `analysing ${data.node}: ${Math.round((100 * data.done) / Math.max(1, data.total))}%`;
    } else if (type === 'progress') {
      bar.value = data.frames_done / data.frames_total;
      li.dataset.framesDone = String(data.frames_done);
      info.textContent = `${data.frames_done}/${data.frames_total} frames, ${data.fps.toFixed(1)} fps, ETA ${data.eta_seconds >= 0 ? data.eta_seconds.toFixed(0) + ' s' : '?'}`;
    } else if (type === 'preview') {
      li.style.backgroundImage = `linear-gradient(rgba(30,33,38,.75), rgba(30,33,38,.75)), url(${data.image})`;
      li.style.backgroundSize = 'cover';
    }
  });
}

// The project's held jobs (newest first), under "Waiting for review". A job already in the page's
// own list is shown there only.
export async function showHeld(project) {
  let held;
  try {
    held = (await call('GET', `/v1/jobs?project=${encodeURIComponent(project)}&review=held`)).jobs;
  } catch (e) {
    hooks.status(e.message);
    return;
  }
  $('#review').hidden = held.length === 0;
  for (const job of held.reverse()) {
    if (document.querySelector(`li[data-job="${job.id}"]`)) continue;
    addJob(job, '#held');
  }
}
