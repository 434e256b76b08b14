// Live updates for issue, pull-request and project pages (progressive enhancement: without
// this script, or without EventSource, the page simply shows what it showed when loaded).
// One EventSource per tab, on the channels the page names in [data-sse-channels]. On an
// update, an issue or pull-request page fetches itself again (rendered for this viewer) and
// swaps in what changed: new comments, the title line, the sidebar (unless it is being
// edited), the merge box and flags. A project page lists the activity as it happens.
(function () {
  'use strict';
  var holder = document.querySelector('[data-sse-channels]');
  if (!holder || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var state = holder.querySelector('.sse-state');
  var activity = holder.querySelector('.sse-activity');
  var url = holder.getAttribute('data-sse-stream') + '?channels=' + encodeURIComponent(holder.getAttribute('data-sse-channels'));
  var source = new EventSource(url);
  // data-sse-state (open, connecting, closed) lets styles and tests follow the connection.
  function say(text, mode) {
    holder.setAttribute('data-sse-state', mode);
    if (state) state.textContent = text;
  }
  source.onopen = function () {
    say('On: changes appear here as they happen.', 'open');
  };
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) say('Off: reload the page to see what changed.', 'closed');
    else say('Reconnecting…', 'connecting');
  };
  source.addEventListener('revoked', function () {
    source.close();
    say('Off: reload the page.', 'closed');
  });
  source.addEventListener('reset', function () {
    refresh();
  });
  source.onmessage = function (event) {
    var update;
    try {
      update = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (activity) return note(update);
    // A flag is shown at once from the message; the page's own rendering follows.
    if (update.flag) showFlag(update.flag);
    refresh();
  };
  window.addEventListener('pagehide', function () {
    source.close();
  });

  // ---- project pages: a line per event ----
  var VERBS = {
    'issue.new': 'opened issue',
    'issue.comment.added': 'commented on issue',
    'issue.edit': 'edited issue',
    'issue.tag.added': 'tagged issue',
    'issue.assigned.added': 'assigned issue',
    'pull-request.new': 'opened pull request',
    'pull-request.comment.added': 'commented on pull request',
    'pull-request.closed': 'closed pull request',
    'pull-request.flag.added': 'flagged pull request',
    'pull-request.flag.updated': 'flagged pull request',
    'git.receive': 'pushed to',
  };
  function note(update) {
    var item = document.createElement('li');
    var verb = VERBS[update.topic] || update.topic;
    item.textContent = (update.agent || 'Someone') + ' ' + verb + ' ';
    var number = update.issue || update.pr;
    if (number) {
      var link = document.createElement('a');
      var base = location.pathname.replace(/\/$/, '');
      link.href = base + (update.issue ? '/issue/' : '/pull-request/') + number;
      link.textContent = '#' + number + (update.title ? ' ' + update.title : '');
      item.appendChild(link);
    } else if (update.branch) {
      item.appendChild(document.createTextNode(update.branch));
    }
    activity.insertBefore(item, activity.firstChild);
    while (activity.children.length > 10) activity.removeChild(activity.lastChild);
  }

  // ---- pull-request pages: a flag, as the flags partial renders it ----
  function showFlag(flag) {
    var box = document.getElementById('merge-box');
    var list = document.querySelector('#merge-box ul.flags, .main-column > ul.flags');
    if (!list) {
      if (!box) return;
      list = document.createElement('ul');
      list.className = 'flags';
      var text = box.querySelector('p');
      if (text) text.after(list);
      else box.appendChild(list);
    }
    var item = document.createElement('li');
    item.className = 'flag flag-' + flag.status;
    var status = document.createElement('span');
    status.className = 'flag-status';
    status.textContent = flag.status;
    item.appendChild(status);
    item.appendChild(document.createTextNode(' '));
    if (/^https?:\/\//i.test(flag.url || '')) {
      var link = document.createElement('a');
      link.href = flag.url;
      link.rel = 'nofollow noopener';
      link.textContent = flag.username;
      item.appendChild(link);
    } else {
      item.appendChild(document.createTextNode(flag.username));
    }
    item.appendChild(document.createTextNode(': ' + flag.comment + (flag.percent ? ' (' + flag.percent + '%)' : '')));
    // The same reporter's earlier flag is replaced (its uid updates it).
    var old = list.children;
    for (var i = 0; i < old.length; i++) {
      var name = old[i].querySelector('a') || null;
      var shown = name ? name.textContent : (old[i].textContent || '').replace(/^\S+ /, '').split(':')[0];
      if (shown === flag.username) return old[i].replaceWith(item);
    }
    list.appendChild(item);
  }

  // ---- issue and pull-request pages: fetch the page again, swap in what changed ----
  var pending = false;
  var running = false;
  function refresh() {
    pending = true;
    if (!running) run();
  }
  function run() {
    running = true;
    pending = false;
    fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        return response.ok ? response.text() : '';
      })
      .then(function (html) {
        if (html) apply(new DOMParser().parseFromString(html, 'text/html'));
      })
      .catch(function () {})
      .then(function () {
        running = false;
        if (pending) run();
      });
  }
  function swap(mine, theirs) {
    if (mine && theirs && mine.innerHTML !== theirs.innerHTML) mine.replaceWith(document.importNode(theirs, true));
  }
  function busy(element) {
    if (!element) return false;
    if (element.contains(document.activeElement) && document.activeElement !== document.body) return true;
    var fields = element.querySelectorAll('input, textarea, select');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'checkbox' || f.type === 'radio') {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.tagName === 'SELECT') {
        for (var j = 0; j < f.options.length; j++) if (f.options[j].selected !== f.options[j].defaultSelected) return true;
      } else if (f.type !== 'hidden' && f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }
  function apply(fresh) {
    var main = document.querySelector('.main-column');
    if (!main) return;
    var theirs = fresh.querySelectorAll('.main-column > article.comment[id^="comment-"]');
    for (var i = 0; i < theirs.length; i++) {
      if (document.getElementById(theirs[i].id)) {
        swap(document.getElementById(theirs[i].id), theirs[i]);
        continue;
      }
      var comment = document.importNode(theirs[i], true);
      var mine = main.querySelectorAll(':scope > article.comment[id^="comment-"]');
      var form = document.getElementById('comment-form');
      var empty = main.querySelector(':scope > #comments + p.empty');
      if (mine.length) mine[mine.length - 1].after(comment);
      else if (empty) empty.replaceWith(comment);
      else if (form) form.before(comment);
      else main.appendChild(comment);
    }
    swap(document.querySelector('.ticket-head'), fresh.querySelector('.ticket-head'));
    var sidebar = document.querySelector('#metadata > section');
    if (!busy(sidebar)) swap(sidebar, fresh.querySelector('#metadata > section'));
    var box = document.getElementById('merge-box');
    var freshBox = fresh.getElementById('merge-box');
    if (box && freshBox) swap(box, freshBox);
    else if (box)
      box.replaceWith(document.importNode(fresh.querySelector('.main-column > ul.flags') || document.createElement('div'), true));
    else swap(main.querySelector(':scope > ul.flags'), fresh.querySelector('.main-column > ul.flags'));
    swap(document.getElementById('merge-status'), fresh.getElementById('merge-status'));
  }
})();
