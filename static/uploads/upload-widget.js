/*
 * Tessera upload widget: files, whole folders and .zip files, picked or dropped, go
 * straight to the object store by S3 multipart through Tessera's uploads API.
 *
 * Uppy (core) holds the files, walks dropped folders (DropTarget), de-duplicates and
 * retries. Uppy 6's own AwsS3 plugin signs raw S3 requests in the browser and cannot
 * call our API (which records each upload and completes it server-side), so the
 * uploading is a small Uppy uploader plugin around multipart.js.
 *
 * The page shows one summary line ("187 of 300 files, 96.0 MiB of 158.0 MiB, 12 s
 * left"), failed files on top with their reasons, and the per-file list folded away.
 * Each finished upload's API URL becomes a hidden input named after the widget, so the
 * surrounding form posts them; its submit buttons wait while files are moving.
 */
import { Api, MiB, MultipartUpload } from "./multipart.js";

const PARALLEL_FILES = 3;
const RENDER_EVERY_MS = 200;

export function formatBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${Math.floor(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds) {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The summary line from counts; `rate` in bytes per second (0: not known yet). */
export function summarize({ files, done, failed, bytes, total, rate }) {
  if (!files) return "No files yet.";
  const parts = [`${done} of ${files} file${files === 1 ? "" : "s"}`, `${formatBytes(bytes)} of ${formatBytes(total)}`];
  if (failed) parts.push(`${failed} failed`);
  const left = total - bytes;
  if (done + failed < files && rate > 0 && left > 0) parts.push(`${formatDuration(left / rate)} left`);
  else if (done + failed === files) parts.push(failed ? "finished with errors" : "all uploaded");
  return parts.join(", ");
}

function csrfToken(root) {
  const input = root.closest("form")?.querySelector("[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function uploaderPlugin(BasePlugin) {
  /** An Uppy uploader that sends each file with MultipartUpload; a retry resumes it. */
  return class TesseraMultipart extends BasePlugin {
    constructor(uppy, opts) {
      super(uppy, opts);
      this.id = "TesseraMultipart";
      this.type = "uploader";
      this.jobs = new Map(); // Uppy file id -> MultipartUpload (kept for resuming)
      this.handle = (ids) => this.upload(ids);
    }

    install() { this.uppy.addUploader(this.handle); }

    uninstall() { this.uppy.removeUploader(this.handle); }

    async upload(ids) {
      const files = this.uppy.getFilesByIds(ids).filter((f) => !f.progress.uploadComplete);
      if (!files.length) return;
      this.uppy.emit("upload-start", files);
      let next = 0;
      const worker = async () => { while (next < files.length) await this.uploadOne(files[next++]); };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, files.length) }, worker));
    }

    async uploadOne(file) {
      const { api, partSize, maxAttempts } = this.opts;
      let job = this.jobs.get(file.id);
      if (!job) {
        job = new MultipartUpload({
          api, file: file.data, name: file.name, partSize, maxAttempts,
          storeKey: `tessera-upload:${file.name}:${file.size}:${file.data.lastModified}:${file.meta.relativePath || ""}`,
        });
        this.jobs.set(file.id, job);
      }
      const controller = new AbortController();
      const removed = (f) => {
        if (f.id !== file.id) return;
        controller.abort();
        job.abort();
        this.jobs.delete(file.id);
      };
      this.uppy.on("file-removed", removed);
      try {
        const upload = await job.run({
          signal: controller.signal,
          onProgress: (sent) => {
            const current = this.uppy.getFile(file.id);
            if (!current) return;
            this.uppy.emit("upload-progress", current, {
              uploadStarted: current.progress.uploadStarted ?? Date.now(),
              bytesUploaded: sent,
              bytesTotal: file.size,
            });
          },
        });
        this.jobs.delete(file.id);
        this.uppy.emit("upload-success", this.uppy.getFile(file.id), { status: 200, body: upload, uploadURL: upload.api_url });
      } catch (error) {
        if (controller.signal.aborted || !this.uppy.getFile(file.id)) return;
        this.uppy.emit("upload-error", this.uppy.getFile(file.id), error);
      } finally {
        this.uppy.off("file-removed", removed);
      }
    }
  };
}

class Widget {
  constructor(root, { Uppy, BasePlugin, DropTarget }) {
    this.root = root;
    this.name = root.dataset.name;
    this.multiple = root.dataset.multiple === "true";
    this.form = root.closest("form");
    this.summary = root.querySelector(".upload-summary-text");
    this.bar = root.querySelector(".upload-summary progress");
    this.failedBox = root.querySelector(".upload-failed");
    this.failedList = root.querySelector(".upload-failed ul");
    this.retryButton = root.querySelector(".upload-retry");
    this.list = root.querySelector(".upload-files");
    this.count = root.querySelector(".upload-count");
    this.values = root.querySelector(".upload-values");
    this.refused = []; // files refused before uploading: {name, reason}
    this.skipped = []; // names of files picked again (already in the list)
    this.note = root.querySelector(".upload-note");
    this.rows = new Map(); // Uppy file id -> <li>
    this.startedAt = 0;
    this.bytesAtStart = 0;

    this.uppy = new Uppy({
      id: `upload-${this.name}`,
      autoProceed: true,
      allowMultipleUploadBatches: true,
      onBeforeFileAdded: (file) => this.accept(file),
    });
    this.uppy.use(uploaderPlugin(BasePlugin), {
      api: new Api(root.dataset.apiUrl, () => csrfToken(root)),
      partSize: parseInt(root.dataset.partSize, 10) || 8 * MiB,
      maxAttempts: parseInt(root.dataset.maxAttempts, 10) || 8,
    });
    this.uppy.use(DropTarget, { target: root }); // the whole widget takes drops

    root.querySelectorAll("input[type=file]").forEach((input) => {
      input.addEventListener("change", () => {
        this.addFiles(Array.from(input.files), input.id);
        input.value = "";
      });
    });
    this.retryButton.addEventListener("click", () => this.uppy.retryAll());
    // the connection is back: failed files resume where the store left them
    window.addEventListener("online", () => { if (this.failedCount()) this.uppy.retryAll(); });

    for (const event of ["file-added", "file-removed", "upload-start", "upload-progress", "upload-success", "upload-error", "complete"]) {
      this.uppy.on(event, () => this.schedule());
    }
    this.uppy.on("upload-start", () => {
      if (!this.startedAt) { this.startedAt = Date.now(); this.bytesAtStart = this.totals().bytes; }
    });
    this.uppy.on("upload-success", (file, response) => this.received(file, response.body));
    this.uppy.on("file-removed", (file) => this.values.querySelector(`[data-file-id="${CSS.escape(file.id)}"]`)?.remove());
    this.render();
  }

  addFiles(files, source) {
    if (!this.multiple && files.length) files = files.slice(0, 1);
    this.uppy.addFiles(files.map((data) => ({
      source, name: data.name, type: data.type, data,
      meta: { relativePath: data.webkitRelativePath || null },
    })));
  }

  /** Files that cannot be sent are listed as failed with the reason, not added. */
  accept(file) {
    const name = file.meta.relativePath || file.name;
    if (file.size === 0) {
      if (!this.refused.some((r) => r.name === name)) this.refused.push({ name, reason: "The file is empty (0 bytes)." });
      this.schedule();
      return false;
    }
    const known = this.uppy.getFiles().some((f) => f.size === file.size && (f.meta.relativePath || f.name) === name);
    if (known && this.multiple) { // picked twice: nothing is sent twice, and the page says so
      this.skipped.push(name);
      this.schedule();
      return false;
    }
    if (!this.multiple) {
      this.refused = [];
      this.uppy.getFiles().forEach((f) => this.uppy.removeFile(f.id));
    }
    return true;
  }

  received(file, upload) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = this.name;
    input.value = upload.api_url;
    input.dataset.fileId = file.id;
    this.values.appendChild(input);
    this.root.dispatchEvent(new CustomEvent("tessera:upload-complete", {
      bubbles: true, detail: { apiUrl: upload.api_url, filename: upload.filename },
    }));
  }

  failedCount() { return this.uppy.getFiles().filter((f) => f.error).length; }

  busy() { return this.uppy.getFiles().some((f) => f.progress.uploadStarted && !f.progress.uploadComplete && !f.error); }

  totals() {
    const files = this.uppy.getFiles();
    let bytes = 0, total = 0, done = 0, failed = 0;
    for (const f of files) {
      total += f.size || 0;
      bytes += f.progress.uploadComplete ? f.size : (f.progress.bytesUploaded || 0);
      if (f.progress.uploadComplete) done++;
      else if (f.error) failed++;
    }
    return { files: files.length + this.refused.length, done, failed: failed + this.refused.length, bytes, total };
  }

  schedule() {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = null; this.render(); }, RENDER_EVERY_MS);
  }

  render() {
    const totals = this.totals();
    const busy = this.busy();
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = busy && seconds > 1 ? (totals.bytes - this.bytesAtStart) / seconds : 0;
    if (!busy) this.startedAt = 0; // the next batch measures its own speed
    this.summary.textContent = summarize({ ...totals, rate });
    this.bar.value = totals.total ? Math.floor((100 * totals.bytes) / totals.total) : (totals.done ? 100 : 0);
    this.root.classList.toggle("is-busy", busy);
    this.form?.querySelectorAll("button[type=submit], input[type=submit]").forEach((b) => { b.disabled = busy; });
    this.renderFailed();
    this.renderFiles();
    this.note.hidden = this.skipped.length === 0;
    this.note.textContent = this.skipped.length === 1
      ? `${this.skipped[0]} is in the list already.`
      : `${this.skipped.length} files were not added again: they are in the list already.`;
  }

  renderFailed() {
    const failed = this.uppy.getFiles().filter((f) => f.error);
    const rows = [
      ...this.refused,
      ...failed.map((f) => ({ name: f.meta.relativePath || f.name, reason: String(f.error) })),
    ];
    this.failedBox.hidden = rows.length === 0;
    this.retryButton.hidden = failed.length === 0;
    this.failedBox.querySelector(".upload-failed-count").textContent = rows.length;
    this.failedList.replaceChildren(...rows.map(({ name, reason }) => {
      const li = document.createElement("li");
      const strong = document.createElement("strong");
      strong.textContent = name;
      li.append(strong, `: ${reason}`);
      return li;
    }));
  }

  renderFiles() {
    const files = this.uppy.getFiles();
    this.count.textContent = files.length;
    const seen = new Set();
    for (const f of files) {
      seen.add(f.id);
      let li = this.rows.get(f.id);
      if (!li) {
        li = document.createElement("li");
        li.className = "upload-file";
        const name = document.createElement("span");
        name.className = "upload-name";
        name.textContent = `${f.meta.relativePath || f.name} (${formatBytes(f.size)})`;
        const status = document.createElement("span");
        status.className = "upload-status";
        li.append(name, " ", status);
        this.rows.set(f.id, li);
        this.list.appendChild(li);
      }
      const state = f.progress.uploadComplete ? "done" : f.error ? "failed" : f.progress.uploadStarted ? "uploading" : "waiting";
      li.dataset.state = state;
      li.querySelector(".upload-status").textContent = state === "done" ? "uploaded"
        : state === "failed" ? `failed: ${f.error}`
        : state === "uploading" ? `${f.size ? Math.floor((100 * (f.progress.bytesUploaded || 0)) / f.size) : 0}%`
        : "waiting";
    }
    for (const [id, li] of this.rows) {
      if (!seen.has(id)) { li.remove(); this.rows.delete(id); }
    }
  }
}

async function init() {
  const roots = Array.from(document.querySelectorAll("[data-upload-widget]")).filter((r) => !r.uploadWidget);
  if (!roots.length) return;
  const uppy = await import(roots[0].dataset.uppyUrl);
  for (const root of roots) {
    if (!root.uploadWidget) root.uploadWidget = new Widget(root, uppy);
    root.dataset.ready = "true";
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
}
