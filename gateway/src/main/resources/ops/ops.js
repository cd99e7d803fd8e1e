// The ops page: polls /api/status every second and renders it; actions POST to the admin API with the
// Bearer token from the input (kept in sessionStorage, so it dies with the tab). Everything that comes
// from the API reaches the DOM through textContent only: a backend name or an error is never markup.
'use strict';

(function () {
  const POLL_MS = 1000;
  const ANSWER_MS = 3000;  // a gateway that accepts but does not answer (stopped, overloaded) counts as down
  const TOKEN_KEY = 'grafana-ha-gateway.admin-token';
  let last = null;        // the last status document rendered
  let failingSince = null;
  let updatedAt = null;   // when the gateway last answered

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function shortCommit(sha) {
    return typeof sha === 'string' && sha.length > 7 ? sha.slice(0, 7) : (sha || '—');
  }

  function clock(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString([], { hour12: false });
  }

  function ago(iso) {
    if (!iso) return 'never';
    const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (isNaN(s)) return String(iso);
    if (s < 2) return 'just now';
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  // A CSS class from an API value: only [a-z0-9-] survive, so data never becomes a selector or markup.
  function token(value) {
    return String(value || 'unknown').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  }

  // ---- rendering -------------------------------------------------------------------------------

  // Java's exception class names mean nothing to an operator: say what kind of failure it was.
  const PLAIN = [
    [/java\.net\.ConnectException|Connection refused/i, 'cannot connect (connection refused)'],
    [/HttpConnectTimeoutException|connect timed out/i, 'cannot connect (timed out)'],
    [/HttpTimeoutException|request timed out|Read timed out/i, 'no answer in time'],
    [/UnknownHostException/i, 'unknown host'],
    [/SSLHandshakeException|PKIX path/i, 'TLS handshake failed'],
  ];

  function plain(error) {
    if (!error) return error;
    const text = String(error);
    for (const [pattern, meaning] of PLAIN) {
      if (pattern.test(text)) {
        // Keep what follows the class name (often the address) after the plain words.
        const detail = text.replace(/^[\w.$]+(Exception|Error):?\s*/, '').trim();
        return detail && !pattern.test(detail) ? meaning + ': ' + detail : meaning;
      }
    }
    return text.replace(/^(java|javax|org\.eclipse\.jgit)\.[\w.$]+:\s*/, '');
  }

  function render(status) {
    last = status;
    document.body.classList.remove('stale');
    const active = Array.isArray(status.active) ? status.active : [];
    $('mode').textContent = 'mode: ' + (status.mode || '?');
    $('serving').textContent = 'serving: ' + (active.length ? active.join(', ') : 'nobody');
    $('serving').classList.toggle('bad', active.length === 0);
    renderGit(status.git);
    renderConfig(status.config);
    renderFailback(status);
    $('updated').textContent = 'updated ' + clock((updatedAt || new Date()).toISOString());
    renderBackends(status.backends || [], status.git, active);
    renderTargets(status.backends || []);
    renderEvents(status.events || []);
  }

  // The failback hold: the primary is back and fresh, and gets traffic again when the hold ends.
  function renderFailback(status) {
    const node = $('failback');
    const due = status.failbackAt ? new Date(status.failbackAt).getTime() : NaN;
    if (isNaN(due)) {
      node.hidden = true;
      return;
    }
    const primary = (status.backends || []).find((b) => b.role === 'primary');
    const seconds = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    node.textContent = 'failback to ' + (primary ? primary.name : 'the primary') + ' in ' + seconds + ' s';
    node.title = 'the failback hold ends at ' + clock(status.failbackAt);
    node.hidden = false;
  }

  // The running file, and a reload that was refused: the gateway runs the previous file until it is fixed.
  function renderConfig(config) {
    const node = $('config');
    if (!config) {
      node.hidden = true;
      return;
    }
    const lastReload = config.lastReload;
    let text = 'config ' + String(config.sha256 || '').slice(0, 12) + ' loaded ' + ago(config.loadedAt);
    if (lastReload && lastReload.result === 'invalid') text += ' — last reload refused: ' + lastReload.message;
    else if (lastReload && lastReload.result === 'partial') text += ' — ' + lastReload.message;
    node.textContent = text;
    node.title = (config.file || '') + ' sha256 ' + (config.sha256 || '');
    node.className = 'pill' + (lastReload && lastReload.result === 'invalid' ? ' bad'
      : lastReload && lastReload.result === 'partial' ? ' warn-pill' : ' muted');
    node.hidden = false;
  }

  function renderGit(git) {
    const node = $('git');
    // What is kept everywhere, and so what a failover loses: said next to the sync's state.
    $('kept').textContent = (git && git.kept) || '';
    $('kept').hidden = !(git && git.kept);
    if (!git) {
      node.textContent = 'git: sync not configured';
      node.className = 'pill muted';
      return;
    }
    let text = 'git head ' + shortCommit(git.head);
    if (git.headSubject) text += ' “' + git.headSubject + '”';
    text += ', fetched ' + ago(git.lastFetch);
    if (git.lastError) text += ' — error: ' + plain(git.lastError);
    node.textContent = text;
    node.title = git.head || '';
    node.className = 'pill' + (git.lastError ? ' bad' : '');
  }

  // Cards are created once per backend and updated in place: a button the operator is about to press
  // (or has focused with the keyboard) is never swapped for a new one by the next poll.
  const cards = new Map();

  function renderBackends(backends, git, active) {
    const container = $('backends');
    const names = backends.map((b) => b.name);
    for (const [name, card] of cards) {
      if (!names.includes(name)) {
        card.root.remove();
        cards.delete(name);
      }
    }
    backends.forEach((b, i) => {
      let card = cards.get(b.name);
      if (!card) {
        card = createCard(b.name);
        cards.set(b.name, card);
      }
      if (container.children[i] !== card.root) container.insertBefore(card.root, container.children[i] || null);
      updateCard(card, b, git, active.includes(b.name));
    });
  }

  function createCard(name) {
    const root = el('article', 'card');
    root.dataset.backend = name;
    const head = el('header', 'card-head');
    const card = {
      root,
      role: el('span', 'badge role'),
      state: el('span', 'badge state'),
      activeMark: el('span', 'badge active-mark', 'ACTIVE'),
      url: el('p', 'url muted'),
      facts: el('dl', 'facts'),
      drainOrEnable: actionButton('Drain', 'drain', name),
      failoverHere: actionButton('Fail over here', 'failover', name),
    };
    head.append(el('h3', 'name', name), card.role, card.state, card.activeMark);
    const buttons = el('div', 'card-actions');
    buttons.append(card.drainOrEnable, card.failoverHere);
    root.append(head, card.url, card.facts, buttons);
    return card;
  }

  function updateCard(card, b, git, isActive) {
    card.root.className = 'card state-' + token(b.state) + (isActive ? ' active' : '');
    card.root.dataset.state = b.state;
    card.root.dataset.active = String(isActive);
    card.role.textContent = b.role || '';
    card.state.textContent = b.state || '?';
    card.activeMark.hidden = !isActive;
    card.url.textContent = b.url || '';

    const facts = [];
    const h = b.health || {};
    facts.push(['check', (h.latencyMs === null || h.latencyMs === undefined ? '—' : h.latencyMs + ' ms') +
      ', ' + ago(h.lastCheck)]);
    if (h.consecutiveFailures) facts.push(['failures', h.consecutiveFailures + ' in a row', 'bad']);
    if (h.lastError) facts.push(['last error', plain(h.lastError), 'bad']);
    if (b.build) facts.push(['build', 'Grafana ' + plain(b.build.version) + (b.build.commit ? ' (' + plain(b.build.commit.substring(0, 12)) + ')' : '')]);
    facts.push(['routable', b.routable ? 'yes' : 'no', b.routable ? '' : 'bad']);
    const s = b.sync;
    if (s) {
      const head = git && git.head;
      const applied = shortCommit(s.appliedCommit) + (head ? ' / head ' + shortCommit(head) : '');
      facts.push(['applied', applied, s.appliedCommit && head && s.appliedCommit !== head ? 'warn' : '']);
      if (s.fresh) {
        facts.push(['sync', 'fresh', 'good']);
      } else {
        // Not fresh with no commit to catch up on: unreachable or last pass failed, so not known current.
        const lag = typeof s.lagCommits === 'number' && s.lagCommits > 0
          ? 'behind by ' + s.lagCommits + ' commit' + (s.lagCommits === 1 ? '' : 's') : 'not fresh';
        facts.push(['sync', lag, 'warn']);
      }
      facts.push(['drift', String(s.drift === undefined ? '—' : s.drift), s.drift ? 'warn' : '']);
      facts.push(['last sync', ago(s.lastSync)]);
      if (s.lastError) facts.push(['sync error', plain(s.lastError), 'bad']);
    } else {
      facts.push(['sync', 'not configured', 'muted']);
    }
    const dl = el('dl', 'facts');
    facts.forEach(([label, value, cls]) => fact(dl, label, value, cls));
    card.facts.replaceChildren(...dl.childNodes);

    const draining = b.state === 'draining';
    card.drainOrEnable.textContent = draining ? 'Enable' : 'Drain';
    card.drainOrEnable.dataset.action = draining ? 'enable' : 'drain';
    // Failing over to a backend that is down would be refused: do not offer it.
    card.failoverHere.hidden = isActive || b.state === 'down';
  }

  function fact(dl, label, value, cls) {
    dl.append(el('dt', null, label));
    dl.append(el('dd', cls || null, value));
  }

  function actionButton(label, action, backend) {
    const button = el('button', 'small', label);
    button.type = 'button';
    button.dataset.action = action;
    button.dataset.backend = backend;
    return button;
  }

  function renderTargets(backends) {
    const select = $('failover-to');
    const names = backends.map((b) => b.name);
    const current = Array.from(select.options).map((o) => o.value);
    if (names.join('\n') === current.join('\n')) return; // keep the operator's choice
    const chosen = select.value;
    select.replaceChildren(...names.map((n) => {
      const option = el('option', null, n);
      option.value = n;
      return option;
    }));
    if (names.includes(chosen)) select.value = chosen;
  }

  const KNOWN = ['at', 'type', 'from', 'to', 'backend', 'reason', 'cause'];

  function renderEvents(events) {
    // Newest first by time (not by string: Instant.toString has a varying number of fraction digits);
    // events in the same millisecond keep the API's order, later ones first.
    const millis = (e) => { const t = Date.parse(e.at); return isNaN(t) ? 0 : t; };
    const sorted = events.map((e, i) => ({ e, i })).sort((x, y) => millis(y.e) - millis(x.e) || y.i - x.i).map((x) => x.e);
    const items = sorted.map((e) => {
      const li = el('li', 'event type-' + token(e.type));
      const time = el('time', 'when', clock(e.at));
      if (e.at) time.dateTime = e.at;
      time.title = e.at || '';
      li.append(time);
      li.append(el('span', 'badge type', e.type || 'event'));
      li.append(el('span', 'what', describe(e)));
      const extra = Object.keys(e).filter((k) => !KNOWN.includes(k) && e[k] !== null && typeof e[k] !== 'object')
        .map((k) => k + '=' + e[k]).join(' ');
      if (extra) li.append(el('span', 'extra muted', extra));
      return li;
    });
    $('events').replaceChildren(...items);
    $('no-events').hidden = items.length > 0;
  }

  function describe(e) {
    let text = '';
    if (e.from || e.to) text = (e.from || '?') + ' → ' + (e.to || '?');
    else if (e.backend) text = e.backend;
    if (e.cause) text += (text ? ' ' : '') + '(' + e.cause + ')';
    if (e.reason) text += (text ? ': ' : '') + e.reason;
    return text;
  }

  // ---- polling ---------------------------------------------------------------------------------

  async function poll() {
    try {
      const response = await fetch('/api/status', { cache: 'no-store', headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(ANSWER_MS) });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const status = await response.json();
      updatedAt = new Date();
      render(status);
      failingSince = null;
      $('offline').hidden = true;
    } catch (err) {
      failingSince = failingSince || new Date();
      if (last) render(last); // the "ago" texts keep counting from what was last known
      document.body.classList.add('stale');
      const banner = $('offline');
      banner.textContent = 'Cannot reach the gateway since ' + clock(failingSince.toISOString()) +
        ' (' + err.message + '); what you see may be stale.';
      banner.hidden = false;
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // ---- actions ---------------------------------------------------------------------------------

  const ACTIONS = {
    failover: (backend) => ({ path: '/api/failover', body: { to: backend || $('failover-to').value },
      label: 'Fail over to ' + (backend || $('failover-to').value) }),
    failback: () => ({ path: '/api/failback', label: 'Fail back' }),
    drain: (backend) => ({ path: '/api/backends/' + encodeURIComponent(backend) + '/drain', label: 'Drain ' + backend }),
    enable: (backend) => ({ path: '/api/backends/' + encodeURIComponent(backend) + '/enable', label: 'Enable ' + backend }),
    sync: () => ({ path: '/api/sync', label: 'Sync now' }),
    reload: () => ({ path: '/api/reload', label: 'Reload config' }),
  };

  function say(text, kind) {
    const message = $('message');
    message.textContent = text;
    message.className = 'message ' + (kind || '');
    message.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  }

  async function act(action, backend) {
    const spec = ACTIONS[action](backend);
    const secret = $('token').value.trim();
    if (!secret) {
      say(spec.label + ': enter the admin token first.', 'error');
      $('token').focus();
      return;
    }
    say(spec.label + '…', 'pending');
    try {
      const response = await fetch(spec.path, {
        method: 'POST',
        cache: 'no-store',
        headers: { Authorization: 'Bearer ' + secret, 'Content-Type': 'application/json' },
        body: spec.body ? JSON.stringify(spec.body) : undefined,
      });
      let body = null;
      try { body = await response.json(); } catch (ignored) { body = null; }
      if (!response.ok) {
        const why = body && body.message ? body.message : response.statusText;
        say(spec.label + ' refused (' + response.status + '): ' + why + '. Nothing was changed.', 'error');
        return;
      }
      if (body && Array.isArray(body.backends)) render(body);
      say(spec.label + ': ' + (body && body.message ? body.message : 'done') + '.', 'ok');
    } catch (err) {
      say(spec.label + ' failed: cannot reach the gateway (' + err.message + ').', 'error');
    }
  }

  function init() {
    const input = $('token');
    input.value = sessionStorage.getItem(TOKEN_KEY) || '';
    input.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, input.value));
    $('actions').addEventListener('submit', (e) => e.preventDefault());
    document.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action]');
      if (button) act(button.dataset.action, button.dataset.backend);
    });
    poll();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
