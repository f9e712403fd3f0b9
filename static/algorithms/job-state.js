// The job page: poll the job's state and swap its status, outputs, timings and logs
// together, all rendered by the server from one read, so they never contradict each other;
// when the job ends, its viewers too (then with the output images), which the viewer
// script is asked to open.
(function () {
  const status = document.getElementById("job-status");
  const outputs = document.getElementById("job-outputs");
  if (!status || !outputs || status.dataset.final === "1") return;
  const live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  status.after(live);
  let last = status.querySelector(".job-status")?.textContent.trim();

  async function poll() {
    let delay = 2000;
    try {
      const response = await fetch(status.dataset.stateUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      status.innerHTML = state.status_html;
      outputs.innerHTML = state.outputs_html;
      for (const part of document.querySelectorAll("[data-live]")) {
        const html = state[part.dataset.live];
        if (typeof html === "string") part.innerHTML = html;
      }
      if (typeof state.viewers_html === "string") {
        document.dispatchEvent(new CustomEvent("tessera:viewers"));
      }
      if (state.status !== last) {
        live.textContent = `Job status: ${state.status}`;
        last = state.status;
      }
      if (state.final) {
        status.dataset.final = "1";
        return;
      }
    } catch (error) {
      delay = 5000; // a dropped connection: keep trying, more slowly
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, 2000);
})();
