// The call editor: a stage fills the city's defaults, rows of criteria, questions and documents
// are added and marked for removal without a round trip. Loaded by templates/calls/form.html.
(function () {
  var form = document.getElementById("call-form");
  var stage = document.getElementById("stage");
  var cap = document.getElementById("cap_per_project");
  var months = document.getElementById("duration_months");
  var chosen = stage.options[stage.selectedIndex];
  stage.addEventListener("change", function () {
    var option = stage.options[stage.selectedIndex];
    // fill the city's defaults unless the manager typed something of their own
    if (!cap.value || cap.value === chosen.dataset.cap) cap.value = option.dataset.cap;
    if (!months.value || months.value === chosen.dataset.months) months.value = option.dataset.months;
    chosen = option;
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=add]");
    if (!button) return;
    event.preventDefault();
    var section = document.getElementById(button.value);
    var rows = section.querySelectorAll(":scope > fieldset.row");
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    var from = new RegExp("^" + button.value + "-" + (rows.length - 1) + "-");
    var to = button.value + "-" + rows.length + "-";
    row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
      ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
        if (el.hasAttribute(attr)) el.setAttribute(attr, el.getAttribute(attr).split(" ").map(function (v) { return v.replace(from, to); }).join(" "));
      });
      if (el.matches("input[type=text], input:not([type]), textarea")) el.value = "";
      if (el.matches("input[type=checkbox][name$=-remove]")) el.checked = false;
    });
    row.querySelectorAll(".errors").forEach(function (el) { el.remove(); });
    row.classList.remove("removed");
    row.querySelector("legend").textContent = last.querySelector("legend").textContent.replace(/\d+/, rows.length + 1);
    var named = row.querySelector(".remove .visually-hidden");
    if (named) named.textContent = named.textContent.replace(/\d+/, rows.length + 1);
    last.after(row);
    var first = row.querySelector("input, textarea");
    if (first) first.focus();
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches("input[name$=-remove]"))
      event.target.closest("fieldset.row").classList.toggle("removed", event.target.checked);
  });
})();
