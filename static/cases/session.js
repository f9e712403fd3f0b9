// Polls an upload session's status until it is finished, and shows per-file errors.
(function () {
  "use strict";
  const root = document.getElementById("session");
  if (!root) return;
  const url = root.dataset.statusUrl;
  const $ = (id) => document.getElementById(id);

  function list(el, items, empty) {
    el.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = empty;
      el.append(li);
    }
    for (const node of items) el.append(node);
  }

  async function poll() {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      data = await response.json();
    } catch (e) {
      setTimeout(poll, 5000);
      return;
    }
    $("session-status").textContent = data.status;
    root.dataset.status = data.status; // the CSS turns a failed import's bar red
    $("session-message").textContent = data.error_message;
    // each message names its file already
    list($("session-errors"), Object.values(data.file_errors).map((reason) => {
      const li = document.createElement("li");
      li.textContent = reason;
      return li;
    }), "None.");
    list($("session-images"), data.images.map((image) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = image.url;
      a.textContent = image.name;
      li.append(a);
      return li;
    }), data.finished ? "None." : "None yet.");
    if (data.finished) {
      $("session-progress").max = 1;
      $("session-progress").value = 1;
    } else {
      setTimeout(poll, 1500);
    }
  }
  poll();
})();
