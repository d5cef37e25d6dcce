// Follows a running search on its page: asks for its progress every two seconds, says it in the
// page's live region, and reloads the page once the search has ended. Without this script the
// page reloads itself instead; either way the "Stop updating" link stops it.
(function () {
  "use strict";
  var status = document.getElementById("progress");
  var stop = document.getElementById("stop-updates");
  if (!status || !status.dataset.progressUrl) { return; }
  var timer = null;
  function ask() {
    fetch(status.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (progress) {
        if (!progress) { return; }
        status.textContent = progress.progress;
        if (progress.status !== "running") {
          window.clearInterval(timer);
          window.location.reload();
        }
      })
      .catch(function () { /* the next tick tries again */ });
  }
  timer = window.setInterval(ask, 2000);
  if (stop) {
    stop.addEventListener("click", function () { window.clearInterval(timer); });
  }
})();
