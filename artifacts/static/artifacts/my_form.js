// The artifact form's "Preview the description" in place: the text goes to the preview
// address and the answer (Markdown rendered and cleaned by the server, as the public page
// shows it) replaces the preview box. Without this script the button submits the form,
// which comes back with the same preview.
(function () {
  "use strict";
  var form = document.getElementById("artifact-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var button = form.querySelector('button[name="preview"]');
  var target = document.getElementById("description-preview");
  if (!button || !target) { return; }
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("description", form.elements.description.value);
    fetch(form.dataset.previewUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) { return { ok: response.ok, text: text }; });
      })
      .then(function (answer) {
        if (answer.ok) { target.innerHTML = answer.text; } else { target.textContent = answer.text; }
        target.hidden = false;
      })
      .catch(function () { target.textContent = "The preview could not be loaded: try again."; target.hidden = false; });
  });
})();
