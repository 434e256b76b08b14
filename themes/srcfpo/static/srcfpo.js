// The monitoring dropdown saves as soon as a status is chosen (the form's Save button does it
// without JavaScript). Nothing else on src.fedoraproject.org's pages needs a script.
document.addEventListener('DOMContentLoaded', () => {
  for (const form of document.querySelectorAll('form.distgit-monitoring')) {
    const select = form.querySelector('select');
    if (!select) continue;
    form.classList.add('autosave');
    select.addEventListener('change', () => form.requestSubmit());
  }
});
