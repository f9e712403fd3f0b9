// Upload an algorithm image tarball through the multipart uploads API, then register it.
(function () {
  "use strict";
  const form = document.getElementById("image-upload");
  if (!form) return;
  const PART = 32 * 1024 * 1024;
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const progress = document.getElementById("image-progress");
  const status = document.getElementById("image-status");

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(JSON.stringify(data));
    return data;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("image-file").files[0];
    if (!file) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      status.textContent = "Starting upload…";
      const upload = await api("POST", form.dataset.uploadsUrl, { filename: file.name });
      const base = `${form.dataset.uploadsUrl}${upload.pk}/${upload.s3_upload_id}/`;
      const count = Math.max(1, Math.ceil(file.size / PART));
      const parts = [];
      for (let n = 1; n <= count; n++) {
        const urls = await api("PATCH", `${base}generate-presigned-urls/`, { part_numbers: [n] });
        const put = await fetch(urls.presigned_urls[String(n)], {
          method: "PUT",
          body: file.slice((n - 1) * PART, n * PART),
        });
        if (!put.ok) throw new Error(`part ${n} failed: ${put.status}`);
        parts.push({ ETag: put.headers.get("ETag"), PartNumber: n });
        progress.value = Math.round((100 * n) / count);
        progress.textContent = `${progress.value}%`;
        status.textContent = `Uploaded ${progress.value}%`;
      }
      await api("PATCH", `${base}complete-multipart-upload/`, { parts });
      const image = await api("POST", form.dataset.imagesUrl, {
        algorithm: form.dataset.algorithmApiUrl,
        user_upload: upload.api_url,
        comment: document.getElementById("image-comment").value,
      });
      status.textContent = "Uploaded; the image is being checked.";
      window.location.href = image.url;
    } catch (error) {
      status.textContent = `Upload failed: ${error.message}`;
      button.disabled = false;
    }
  });
})();
