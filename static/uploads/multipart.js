/*
 * One file's S3 multipart upload through Tessera's uploads API (create, presign parts,
 * list parts, complete, abort): the parts go straight to the object store.
 *
 * - Parts go up a few at a time; a failed part is retried with back-off, waiting for
 *   the browser to come back online; an expired part URL is simply re-issued.
 * - Running the same MultipartUpload again (Uppy's "retry") resumes it: the parts the
 *   store already holds are listed and skipped.
 * - The upload's id is kept in localStorage, so picking the same file again after a
 *   reload resumes it too.
 *
 * No dependencies; the Uppy plugin in upload-widget.js drives it.
 */

export const MiB = 1024 * 1024;
const MAX_PARTS = 10000;
const PARALLEL_PARTS = 3;
const PRESIGN_BATCH = 20;
const URL_LIFETIME_MS = 4 * 60 * 1000; // re-issue part URLs before the 5 minute expiry

export class ApiError extends Error {
  constructor(message, status, retryable) {
    super(message);
    this.status = status;
    this.retryable = retryable;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(new ApiError("Cancelled.", 0, false)); }, { once: true });
  });
}

function whenOnline() {
  if (navigator.onLine !== false) return Promise.resolve();
  return new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
}

/** DRF errors: {"field": ["message", ...]} or {"detail": "..."}: name the field. */
export function describe(body) {
  if (!body || typeof body !== "object") return String(body || "");
  return Object.keys(body).map((field) => {
    const value = body[field];
    const text = Array.isArray(value) ? value.join(" ") : (typeof value === "object" ? JSON.stringify(value) : value);
    return field === "detail" || field === "non_field_errors" ? text : `${field}: ${text}`;
  }).join("; ");
}

/** JSON requests to our API with the session's CSRF token. */
export class Api {
  constructor(listUrl, csrfToken) {
    this.listUrl = listUrl;
    this.csrfToken = csrfToken;
  }

  async request(method, url, body) {
    let response;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": this.csrfToken() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError("The server could not be reached.", 0, true);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(describe(data) || response.statusText, response.status, response.status >= 500);
    return data;
  }
}

export class MultipartUpload {
  /**
   * @param {object} o
   * @param {Api} o.api
   * @param {Blob} o.file  the bytes
   * @param {string} o.name  the file name the upload is recorded under
   * @param {number} o.partSize  at least 5 MiB (S3's minimum for all but the last part)
   * @param {number} o.maxAttempts  tries per part before the file counts as failed
   * @param {string} o.storeKey  localStorage key that lets a reload resume it
   */
  constructor({ api, file, name, partSize, maxAttempts, storeKey }) {
    this.api = api;
    this.file = file;
    this.name = name;
    this.maxAttempts = maxAttempts;
    this.storeKey = storeKey;
    this.partSize = Math.max(partSize, Math.ceil(file.size / MAX_PARTS));
    this.partCount = Math.max(1, Math.ceil(file.size / this.partSize));
    this.upload = null; // the API's UserUpload
    this.done = {};     // part number -> ETag
    this.progress = {}; // part number -> bytes sent
    this.urls = {};     // part number -> {url, at}
    this.xhrs = {};
  }

  sent() {
    return Object.values(this.progress).reduce((a, b) => a + b, 0);
  }

  actionUrl(action) {
    return `${this.upload.api_url.replace(/\/?$/, "/")}${encodeURIComponent(this.upload.s3_upload_id)}/${action}/`;
  }

  /** Upload (or resume) the file; resolves to the completed UserUpload. */
  async run({ signal, onProgress }) {
    this.signal = signal;
    this.onProgress = onProgress || (() => {});
    await this.begin();
    await this.sendParts();
    return this.complete();
  }

  async begin() {
    if (this.upload) return this.listParts(); // a retry: skip what the store already has
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(this.storeKey) || "null"); } catch (e) { saved = null; }
    if (saved && saved.api_url && saved.partSize === this.partSize) {
      try { // resume an upload started before a reload
        const upload = await this.api.request("GET", saved.api_url);
        if (upload.status !== "Initialized") throw new ApiError("not resumable", 400, false);
        this.upload = upload;
        return this.listParts();
      } catch (e) {
        localStorage.removeItem(this.storeKey);
      }
    }
    this.upload = await this.api.request("POST", this.api.listUrl, { filename: this.name });
    try {
      localStorage.setItem(this.storeKey, JSON.stringify({ api_url: this.upload.api_url, partSize: this.partSize }));
    } catch (e) { /* private mode: resuming after a reload is not possible */ }
  }

  async listParts() {
    const data = await this.api.request("GET", this.actionUrl("list-parts"));
    this.done = {};
    this.progress = {};
    for (const part of data.parts) {
      if (part.PartNumber > this.partCount) continue;
      const expected = Math.min(this.partSize, this.file.size - (part.PartNumber - 1) * this.partSize);
      if (part.Size === expected) {
        this.done[part.PartNumber] = part.ETag;
        this.progress[part.PartNumber] = part.Size;
      }
    }
    this.onProgress(this.sent());
  }

  presign(first) {
    const numbers = [];
    const lengths = {};
    for (let n = first; n <= this.partCount && numbers.length < PRESIGN_BATCH; n++) {
      if (this.done[n]) continue;
      numbers.push(n);
      // signed into the URL: the store refuses a body of any other size
      const length = Math.min(this.partSize, this.file.size - (n - 1) * this.partSize);
      if (length > 0) lengths[n] = length;
    }
    if (!this.presigning) {
      this.presigning = this.api.request("PATCH", this.actionUrl("generate-presigned-urls"),
        { part_numbers: numbers, content_lengths: lengths })
        .then((data) => {
          const at = Date.now();
          for (const [k, url] of Object.entries(data.presigned_urls)) this.urls[k] = { url, at };
        })
        .finally(() => { this.presigning = null; });
    }
    return this.presigning;
  }

  async urlFor(n) {
    for (;;) {
      const known = this.urls[n];
      if (known && Date.now() - known.at < URL_LIFETIME_MS) return known.url;
      await this.presign(n);
    }
  }

  putPart(n, url) {
    const start = (n - 1) * this.partSize;
    const blob = this.file.slice(start, Math.min(start + this.partSize, this.file.size));
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhrs[n] = xhr;
      xhr.open("PUT", url);
      xhr.upload.onprogress = (event) => { this.progress[n] = event.loaded; this.onProgress(this.sent()); };
      xhr.onload = () => {
        delete this.xhrs[n];
        const etag = xhr.getResponseHeader("ETag");
        if (xhr.status >= 200 && xhr.status < 300 && etag) return resolve(etag);
        if (xhr.status === 403) delete this.urls[n]; // expired URL: ask for a fresh one
        reject(new ApiError(`The object store answered ${xhr.status} for part ${n}.`, xhr.status,
          xhr.status === 403 || xhr.status === 408 || xhr.status === 429 || xhr.status >= 500 || !etag));
      };
      xhr.onerror = xhr.ontimeout = () => {
        delete this.xhrs[n];
        reject(new ApiError(`The connection dropped while sending part ${n}.`, 0, true));
      };
      xhr.onabort = () => { delete this.xhrs[n]; reject(new ApiError("Cancelled.", 0, false)); };
      xhr.send(blob);
    });
  }

  async sendPart(n) {
    for (let attempt = 1; ; attempt++) {
      if (this.signal?.aborted) throw new ApiError("Cancelled.", 0, false);
      try {
        await whenOnline();
        const url = await this.urlFor(n);
        this.done[n] = await this.putPart(n, url);
        return;
      } catch (error) {
        this.progress[n] = 0;
        if (!error.retryable || attempt >= this.maxAttempts || this.signal?.aborted) throw error;
        await sleep(Math.min(30000, 500 * 2 ** attempt), this.signal);
      }
    }
  }

  async sendParts() {
    let next = 1;
    let failed = false; // one part gave up: the others stop taking new parts
    const worker = async () => {
      while (!failed) {
        while (next <= this.partCount && this.done[next]) next++;
        if (next > this.partCount) return;
        try {
          await this.sendPart(next++);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    const abort = () => Object.values(this.xhrs).forEach((xhr) => xhr.abort());
    this.signal?.addEventListener("abort", abort, { once: true });
    try {
      // parts still in flight when one gives up finish first, so a retry lists them
      const results = await Promise.allSettled(Array.from({ length: PARALLEL_PARTS }, worker));
      const failure = results.find((r) => r.status === "rejected");
      if (failure) throw failure.reason;
    } finally {
      this.signal?.removeEventListener("abort", abort);
    }
  }

  async complete() {
    const parts = [];
    for (let n = 1; n <= this.partCount; n++) parts.push({ PartNumber: n, ETag: this.done[n] });
    const upload = await this.api.request("PATCH", this.actionUrl("complete-multipart-upload"), { parts });
    localStorage.removeItem(this.storeKey);
    this.progress = { 1: this.file.size };
    return upload;
  }

  /** Give up: the store drops the parts (expiry cleans up if this request fails). */
  abort() {
    localStorage.removeItem(this.storeKey);
    Object.values(this.xhrs).forEach((xhr) => xhr.abort());
    if (this.upload) this.api.request("PATCH", this.actionUrl("abort-multipart-upload")).catch(() => {});
  }
}
