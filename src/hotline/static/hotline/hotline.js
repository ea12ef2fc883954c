// Small behaviours of every staff page, as a file: the Content-Security-Policy allows no inline
// script and no on* attributes. Delegated from the document, so content swapped in by htmx
// behaves the same.
(function () {
  "use strict";
  // <select data-autosubmit>: send its form as soon as a value is chosen (the language menu).
  document.addEventListener("change", function (event) {
    const select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  // <button data-fill="ID" data-value="V">: put V into the field ID and focus it (the
  // suggested units of the dispatch form).
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-fill]");
    if (!button) return;
    const field = document.getElementById(button.dataset.fill);
    if (!field) return;
    field.value = button.dataset.value || "";
    field.focus();
  });
})();
