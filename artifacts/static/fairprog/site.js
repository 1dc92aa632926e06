// Progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Facets and sort apply on change; the "Apply filters" button does the same without JS.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("input[type=checkbox], select")) { form.requestSubmit(); }
    });
  });
  // Copy buttons for citations.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = document.querySelector(".copy-status");
      navigator.clipboard.writeText(source.textContent).then(function () {
        if (status) { status.textContent = "Copied to the clipboard."; }
      }, function () {
        if (status) { status.textContent = "Copying failed; select the text and copy it."; }
      });
    });
  });
})();
