// What every page does in the browser. Loaded from a file, never inline: the
// Content-Security-Policy allows scripts from this origin only.

// An action that cannot be undone asks first: a button or link with data-confirm.
document.addEventListener("click", function (event) {
  var asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) event.preventDefault();
});

// A page that comes back with errors puts the reader on their summary.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
