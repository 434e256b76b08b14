// Progressive enhancement only: every page works without this file.
// - clone URL fields select their text on focus;
// - forms with data-confirm ask before submitting;
// - the line a URL's #_N names is highlighted.
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
})();
