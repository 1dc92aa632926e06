// The admin export page's "Select all" box, wired here rather than by an inline onchange
// attribute, which the Content-Security-Policy refuses. onSelectToggleChange comes from
// django-import-export's export_selectable_fields.js.
(function () {
  "use strict";
  document.querySelectorAll("input.select-toggle").forEach(function (box) {
    box.addEventListener("change", function (event) {
      if (typeof window.onSelectToggleChange === "function") {
        window.onSelectToggleChange(event);
      }
    });
  });
})();
