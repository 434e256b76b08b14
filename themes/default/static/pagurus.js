// Progressive enhancement only: every page works without this file.
// - clone URL fields select their text on focus;
// - forms with data-confirm ask before submitting;
// - the line a URL's #_N names is highlighted;
// - on a pull request, a line's "+" opens the comment form under that line without leaving
//   the page, and a merge status still being computed is fetched again until it is known.
(function () {
  'use strict';
  document.addEventListener('focusin', function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.classList.contains('copy')) target.select();
  });
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.getAttribute('data-confirm') : null;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  function markLine() {
    var old = document.querySelectorAll('tr.selected');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('selected');
    var id = decodeURIComponent(location.hash.slice(1));
    var row = id ? document.getElementById(id) : null;
    if (row && row.tagName === 'TR') row.classList.add('selected');
  }
  window.addEventListener('hashchange', markLine);
  document.addEventListener('DOMContentLoaded', markLine);

  // Pull requests: the "+" of a diff line. Without this script its link reloads the page with
  // the form under the line (?comment_on=); with it, the form is cloned there in place.
  document.addEventListener('click', function (event) {
    var link = event.target instanceof Element ? event.target.closest('a.line-comment') : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var template = document.getElementById('inline-comment-template');
    var open = document.querySelector('tr.inline-form-row');
    var source = template ? template.content.querySelector('tr.inline-form-row') : open;
    if (!source) return;
    event.preventDefault();
    var row = source.cloneNode(true);
    if (open) open.remove();
    var line = link.closest('tr');
    var after = line;
    while (after.nextElementSibling && after.nextElementSibling.classList.contains('inline-comment')) after = after.nextElementSibling;
    row.querySelector('td').colSpan = line.closest('table').classList.contains('diff-split') ? 4 : 3;
    var form = row.querySelector('form');
    form.elements.namedItem('filename').value = link.getAttribute('data-filename');
    form.elements.namedItem('row').value = link.getAttribute('data-row');
    form.elements.namedItem('commit').value = link.getAttribute('data-commit');
    form.elements.namedItem('comment_on').value = link.getAttribute('data-row-id');
    row.querySelector('.inline-target').textContent = link.getAttribute('data-label');
    var error = row.querySelector('.field-error');
    if (error) error.remove();
    var text = form.elements.namedItem('comment');
    text.value = '';
    text.removeAttribute('aria-invalid');
    text.removeAttribute('aria-describedby');
    after.after(row);
    text.focus();
  });
  document.addEventListener('click', function (event) {
    var cancel = event.target instanceof Element ? event.target.closest('tr.inline-form-row a.inline-cancel') : null;
    if (!cancel || !document.getElementById('inline-comment-template')) return;
    event.preventDefault();
    cancel.closest('tr').remove();
  });

  // Pull requests: "The merge status is being computed" asks the page again, now and then,
  // until it knows, then swaps in the merge box and the sidebar's status.
  function watchMergeStatus() {
    if (!document.querySelector('[data-merge-pending]') || !window.fetch || !window.DOMParser) return;
    var tries = 0;
    function later() {
      tries += 1;
      if (tries <= 120) setTimeout(check, Math.min(500 * tries, 5000));
    }
    function check() {
      fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (response) {
          return response.ok ? response.text() : '';
        })
        .then(function (html) {
          if (!html) return later();
          var fresh = new DOMParser().parseFromString(html, 'text/html');
          if (fresh.querySelector('[data-merge-pending]')) return later();
          ['merge-box', 'merge-status'].forEach(function (id) {
            var mine = document.getElementById(id);
            var theirs = fresh.getElementById(id);
            if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
          });
        })
        .catch(later);
    }
    later();
  }
  document.addEventListener('DOMContentLoaded', watchMergeStatus);
})();
