/*
 * Tessera upload widget: S3 multipart uploads straight to the object store through
 * the uploads API (create, presign parts, list parts, complete, abort).
 *
 * - Parts go up in parallel with a progress bar per file and one for all files.
 * - A failed part is retried with back-off, waiting for the browser to come back
 *   online; an expired part URL is simply re-issued.
 * - The upload's id is kept in localStorage, so picking the same file again after a
 *   reload resumes it: the parts the store already holds are listed and skipped.
 * - Each completed upload's API URL becomes a hidden input named after the widget,
 *   so the surrounding form posts them; submit buttons wait while files are moving.
 *
 * No build step and no dependencies: plain browser JavaScript (ES2017).
 */
(function () {
  "use strict";

  var MiB = 1024 * 1024;
  var MAX_PARTS = 10000;
  var PARALLEL_PARTS = 3;
  var PRESIGN_BATCH = 20;
  var URL_LIFETIME_MS = 4 * 60 * 1000; // re-issue part URLs before the 5 minute expiry
  var MAX_ATTEMPTS = 8;

  function csrfToken(root) {
    var input = root.closest("form") && root.closest("form").querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function formatBytes(n) {
    var units = ["bytes", "KB", "MB", "GB", "TB"];
    var i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function whenOnline() {
    if (navigator.onLine !== false) return Promise.resolve();
    return new Promise(function (r) { window.addEventListener("online", r, { once: true }); });
  }

  function ApiError(message, status, retryable) {
    this.message = message; this.status = status; this.retryable = retryable;
  }

  function describe(body) {
    // DRF errors: {"field": ["message", ...]} or {"detail": "..."}: name the field.
    if (!body || typeof body !== "object") return String(body || "");
    return Object.keys(body).map(function (field) {
      var value = body[field];
      var text = Array.isArray(value) ? value.join(" ") : (typeof value === "object" ? JSON.stringify(value) : value);
      return field === "detail" || field === "non_field_errors" ? text : field + ": " + text;
    }).join("; ");
  }

  function Widget(root) {
    this.root = root;
    this.apiUrl = root.dataset.apiUrl;
    this.name = root.dataset.name;
    this.multiple = root.dataset.multiple === "true";
    this.partSize = parseInt(root.dataset.partSize, 10) || 8 * MiB;
    this.maxPartSize = parseInt(root.dataset.maxPartSize, 10) || 128 * MiB;
    this.input = root.querySelector("input[type=file]");
    this.list = root.querySelector(".upload-files");
    this.values = root.querySelector(".upload-values");
    this.overallBar = root.querySelector(".upload-overall progress");
    this.overallText = root.querySelector(".upload-overall-text");
    this.form = root.closest("form");
    this.uploads = [];
    var self = this;
    this.input.addEventListener("change", function () {
      Array.prototype.forEach.call(self.input.files, function (file) { self.add(file); });
      self.input.value = "";
    });
  }

  Widget.prototype.request = function (method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken(this.root) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          throw new ApiError(describe(data) || response.statusText, response.status, response.status >= 500);
        }
        return data;
      });
    }, function () { throw new ApiError("The server could not be reached.", 0, true); });
  };

  Widget.prototype.add = function (file) {
    if (!this.multiple) {
      this.uploads.forEach(function (u) { u.cancel(); u.remove(); });
      this.uploads = [];
      this.values.innerHTML = "";
    }
    var upload = new FileUpload(this, file);
    this.uploads.push(upload);
    this.refresh();
    upload.start();
  };

  Widget.prototype.refresh = function () {
    var total = 0, done = 0, busy = false;
    this.uploads.forEach(function (u) {
      if (u.state === "cancelled") return;
      total += u.file.size; done += u.sent();
      busy = busy || u.state === "uploading";
    });
    var percent = total ? Math.floor((100 * done) / total) : (this.uploads.length ? 100 : 0);
    this.overallBar.value = percent;
    this.overallText.textContent = this.uploads.length
      ? formatBytes(done) + " of " + formatBytes(total) + " (" + percent + "%)"
      : "No files yet.";
    this.root.classList.toggle("is-busy", busy);
    if (this.form) {
      this.form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = busy; });
    }
  };

  function FileUpload(widget, file) {
    this.widget = widget;
    this.file = file;
    this.state = "uploading";
    this.partSize = Math.max(widget.partSize, Math.ceil(file.size / MAX_PARTS));
    this.partCount = Math.max(1, Math.ceil(file.size / this.partSize));
    this.done = {};     // part number -> ETag
    this.progress = {}; // part number -> bytes sent
    this.urls = {};     // part number -> {url, at}
    this.storeKey = "tessera-upload:" + [file.name, file.size, file.lastModified].join(":");
    this.render();
  }

  FileUpload.prototype.render = function () {
    var li = document.createElement("li");
    li.className = "upload-file";
    var label = document.createElement("span");
    label.className = "upload-name";
    label.textContent = this.file.name + " (" + formatBytes(this.file.size) + ")";
    this.bar = document.createElement("progress");
    this.bar.max = 100; this.bar.value = 0;
    this.bar.setAttribute("aria-label", "Progress of " + this.file.name);
    this.status = document.createElement("span");
    this.status.className = "upload-status";
    this.status.setAttribute("role", "status");
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "link";
    var self = this;
    this.button.addEventListener("click", function () {
      if (self.state === "uploading") self.cancel();
      else if (self.state === "failed") self.start();
    });
    li.append(label, this.bar, this.status, this.button);
    this.li = li;
    this.widget.list.appendChild(li);
  };

  FileUpload.prototype.show = function (text) {
    this.status.textContent = text;
    this.button.textContent = this.state === "uploading" ? "Cancel" : this.state === "failed" ? "Retry" : "";
    this.button.hidden = !this.button.textContent;
    this.li.dataset.state = this.state;
    var sent = this.sent();
    this.bar.value = this.file.size ? Math.floor((100 * sent) / this.file.size) : (this.state === "done" ? 100 : 0);
    this.widget.refresh();
  };

  FileUpload.prototype.sent = function () {
    var total = 0, self = this;
    Object.keys(this.progress).forEach(function (n) { total += self.progress[n]; });
    return total;
  };

  FileUpload.prototype.remove = function () { this.li.remove(); };

  FileUpload.prototype.actionUrl = function (action) {
    return this.upload.api_url.replace(/\/?$/, "/") + encodeURIComponent(this.upload.s3_upload_id) + "/" + action + "/";
  };

  FileUpload.prototype.start = function () {
    var self = this;
    this.state = "uploading";
    this.show("Starting…");
    return this.begin()
      .then(function () { return self.sendParts(); })
      .then(function () { return self.complete(); })
      .catch(function (error) {
        if (self.state === "cancelled") return;
        self.state = "failed";
        self.show("Failed: " + (error && error.message ? error.message : error));
      });
  };

  FileUpload.prototype.begin = function () {
    var self = this, w = this.widget;
    if (this.upload) return this.listParts();
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(this.storeKey) || "null"); } catch (e) { saved = null; }
    if (saved && saved.api_url && saved.partSize === this.partSize) {
      // Resume an upload started earlier (before a reload or a network drop).
      return w.request("GET", saved.api_url).then(function (upload) {
        if (upload.status !== "Initialized") throw new ApiError("not resumable", 400, false);
        self.upload = upload;
        return self.listParts();
      }).catch(function () {
        localStorage.removeItem(self.storeKey);
        return self.create();
      });
    }
    return this.create();
  };

  FileUpload.prototype.create = function () {
    var self = this;
    return this.widget.request("POST", this.widget.apiUrl, { filename: this.file.name }).then(function (upload) {
      self.upload = upload;
      try {
        localStorage.setItem(self.storeKey, JSON.stringify({ api_url: upload.api_url, partSize: self.partSize }));
      } catch (e) { /* private mode: resuming after a reload is not possible */ }
    });
  };

  FileUpload.prototype.listParts = function () {
    var self = this;
    return this.widget.request("GET", this.actionUrl("list-parts")).then(function (data) {
      self.done = {}; self.progress = {};
      data.parts.forEach(function (part) {
        if (part.PartNumber > self.partCount) return;
        var expected = Math.min(self.partSize, self.file.size - (part.PartNumber - 1) * self.partSize);
        if (part.Size === expected) {
          self.done[part.PartNumber] = part.ETag;
          self.progress[part.PartNumber] = part.Size;
        }
      });
      var n = Object.keys(self.done).length;
      if (n) self.show("Resuming: " + n + " of " + self.partCount + " parts already stored.");
    });
  };

  FileUpload.prototype.presign = function (first) {
    var self = this, numbers = [], lengths = {};
    for (var n = first; n <= this.partCount && numbers.length < PRESIGN_BATCH; n++) {
      if (!this.done[n]) {
        numbers.push(n);
        // signed into the URL: the store refuses a body of any other size
        var length = Math.min(this.partSize, this.file.size - (n - 1) * this.partSize);
        if (length > 0) lengths[n] = length;
      }
    }
    if (!this.presigning) {
      this.presigning = this.widget.request("PATCH", this.actionUrl("generate-presigned-urls"),
        { part_numbers: numbers, content_lengths: lengths })
        .then(function (data) {
          var at = Date.now();
          Object.keys(data.presigned_urls).forEach(function (k) { self.urls[k] = { url: data.presigned_urls[k], at: at }; });
        })
        .finally(function () { self.presigning = null; });
    }
    return this.presigning;
  };

  FileUpload.prototype.urlFor = function (n) {
    var self = this, known = this.urls[n];
    if (known && Date.now() - known.at < URL_LIFETIME_MS) return Promise.resolve(known.url);
    return this.presign(n).then(function () {
      if (!self.urls[n] || Date.now() - self.urls[n].at >= URL_LIFETIME_MS) return self.urlFor(n);
      return self.urls[n].url;
    });
  };

  FileUpload.prototype.putPart = function (n, url) {
    var self = this, start = (n - 1) * this.partSize;
    var blob = this.file.slice(start, Math.min(start + this.partSize, this.file.size));
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      self.xhrs[n] = xhr;
      xhr.open("PUT", url);
      xhr.upload.onprogress = function (event) { self.progress[n] = event.loaded; self.show("Uploading…"); };
      xhr.onload = function () {
        delete self.xhrs[n];
        var etag = xhr.getResponseHeader("ETag");
        if (xhr.status >= 200 && xhr.status < 300 && etag) return resolve(etag);
        if (xhr.status === 403) delete self.urls[n]; // expired URL: ask for a fresh one
        reject(new ApiError("The object store answered " + xhr.status + " for part " + n + ".", xhr.status,
          xhr.status === 403 || xhr.status === 408 || xhr.status === 429 || xhr.status >= 500 || !etag));
      };
      xhr.onerror = xhr.ontimeout = function () {
        delete self.xhrs[n];
        reject(new ApiError("Network error while sending part " + n + ".", 0, true));
      };
      xhr.onabort = function () { delete self.xhrs[n]; reject(new ApiError("Cancelled.", 0, false)); };
      xhr.send(blob);
    });
  };

  FileUpload.prototype.sendPart = function (n) {
    var self = this, attempt = 0;
    function tryOnce() {
      if (self.state !== "uploading") return Promise.reject(new ApiError("Cancelled.", 0, false));
      attempt++;
      return whenOnline()
        .then(function () { return self.urlFor(n); })
        .then(function (url) { return self.putPart(n, url); })
        .then(function (etag) { self.done[n] = etag; }, function (error) {
          self.progress[n] = 0;
          if (!error.retryable || attempt >= MAX_ATTEMPTS || self.state !== "uploading") throw error;
          self.show("Connection trouble on part " + n + "; retrying (" + attempt + ")…");
          return sleep(Math.min(30000, 500 * Math.pow(2, attempt))).then(tryOnce);
        });
    }
    return tryOnce();
  };

  FileUpload.prototype.sendParts = function () {
    var self = this, next = 1;
    this.xhrs = {};
    function worker() {
      while (next <= self.partCount && self.done[next]) next++;
      if (next > self.partCount) return Promise.resolve();
      var n = next++;
      return self.sendPart(n).then(worker);
    }
    var workers = [];
    for (var i = 0; i < PARALLEL_PARTS; i++) workers.push(worker());
    return Promise.all(workers);
  };

  FileUpload.prototype.complete = function () {
    var self = this, parts = [];
    for (var n = 1; n <= this.partCount; n++) parts.push({ PartNumber: n, ETag: this.done[n] });
    this.show("Finishing…");
    return this.widget.request("PATCH", this.actionUrl("complete-multipart-upload"), { parts: parts }).then(function (upload) {
      localStorage.removeItem(self.storeKey);
      self.state = "done";
      self.progress = { 1: self.file.size };
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = self.widget.name;
      input.value = upload.api_url;
      self.widget.values.appendChild(input);
      self.show("Uploaded.");
      self.widget.root.dispatchEvent(new CustomEvent("tessera:upload-complete", {
        bubbles: true, detail: { apiUrl: upload.api_url, filename: upload.filename },
      }));
    });
  };

  FileUpload.prototype.cancel = function () {
    if (this.state !== "uploading" && this.state !== "failed") return;
    var wasRunning = this.state;
    this.state = "cancelled";
    var self = this;
    Object.keys(this.xhrs || {}).forEach(function (n) { self.xhrs[n].abort(); });
    localStorage.removeItem(this.storeKey);
    this.show("Cancelled.");
    if (this.upload && wasRunning) {
      this.widget.request("PATCH", this.actionUrl("abort-multipart-upload")).catch(function () { /* expiry cleans up */ });
    }
  };

  function init() {
    document.querySelectorAll("[data-upload-widget]").forEach(function (root) {
      if (!root.uploadWidget) root.uploadWidget = new Widget(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  window.TesseraUploadWidget = { init: init };
})();
