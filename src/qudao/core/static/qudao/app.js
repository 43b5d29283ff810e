// Qudao's few behaviours, in one static file (the Content-Security-Policy allows no inline
// script): confirmations, submitting a filter on change, and the upload page's helpers.
(function () {
  "use strict";

  // <form data-confirm="Are you sure?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <a data-history-back>: back where the user came from (the link's href without history).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // <select data-autosubmit>: submit its form when the choice changes.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  // Set up what a page (or a part htmx swapped in: boosted links load pages that way)
  // needs, once per element.
  function setUp(root) {
    var form = root.querySelector ? root.querySelector("[data-upload-form]") : null;
    if (root.matches && root.matches("[data-upload-form]")) { form = root; }
    if (form && !form.dataset.bound) {
      form.dataset.bound = "1";
      // The upload pages: offer only the saved mappings made for the chosen fact or target.
      var fact = form.querySelector("select[name=fact], select[name=target]");
      var saved = form.querySelector("select[name=saved_mapping]");
      if (fact && saved) {
        var narrow = function () {
          Array.prototype.forEach.call(saved.options, function (option) {
            var other = option.dataset.fact && option.dataset.fact !== fact.value;
            option.hidden = option.disabled = !!other;
            if (other && option.selected) { saved.value = ""; }
          });
        };
        fact.addEventListener("change", narrow);
        narrow();
      }
    }
    // Show the chosen (or dropped) file's name in the drop zone.
    var inputs = root.querySelectorAll ? root.querySelectorAll(".dropzone input[type=file]") : [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.dataset.bound) { return; }
      input.dataset.bound = "1";
      var zone = input.closest(".dropzone"), name = zone.querySelector(".dropzone-name");
      input.addEventListener("change", function () {
        name.textContent = input.files.length ? input.files[0].name : "";
      });
      ["dragenter", "dragover"].forEach(function (e) {
        zone.addEventListener(e, function () { zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (e) {
        zone.addEventListener(e, function () { zone.classList.remove("over"); });
      });
    });
  }
  // htmx:load fires for the first page and for every part htmx swaps in.
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
