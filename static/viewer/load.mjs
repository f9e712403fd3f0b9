// Downloads an image file through its permission-checked URL (which redirects to a
// short-lived signed object-store URL), reporting progress, with errors a reader understands.

import { readMhaStream } from "./mha.mjs";

export class LoadError extends Error {}

/** The message shown for an HTTP status of the permission-checked URL or the store. */
export function messageForStatus(status) {
  if (status === 401 || status === 403 || status === 404) {
    return "You do not have permission to view this image, or it no longer exists.";
  }
  if (status === 503) return "The image store is unavailable; try again in a minute.";
  return `The image could not be downloaded (HTTP ${status}).`;
}

async function open(url, fetchImpl) {
  let response;
  try {
    response = await fetchImpl(url, { credentials: "same-origin" });
  } catch (err) {
    throw new LoadError(`The image could not be downloaded: ${err.message || "network error"}.`);
  }
  if (!response.ok) throw new LoadError(messageForStatus(response.status));
  return response;
}

/** The body's chunks as they arrive, counted; a broken or short download is a LoadError. */
async function* chunksOf(response, onProgress) {
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch (err) {
      throw new LoadError(`The download stopped: ${err.message || "network error"}.`);
    }
    if (step.done) break;
    received += step.value.length;
    onProgress(received, total);
    yield step.value;
  }
  if (total && received !== total) {
    throw new LoadError(`The download stopped early (${received} of ${total} bytes).`);
  }
}

/** Fetch `url` into an ArrayBuffer, calling onProgress(received, total) as bytes arrive. */
export async function fetchWithProgress(url, onProgress = () => {}, fetchImpl = fetch) {
  const response = await open(url, fetchImpl);
  if (!response.body) return response.arrayBuffer();
  // Write into one preallocated buffer when the size is known: no second copy of a large CT.
  const total = Number(response.headers.get("Content-Length")) || 0;
  let buffer = new Uint8Array(total || 1 << 20);
  let received = 0;
  for await (const value of chunksOf(response, onProgress)) {
    if (received + value.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, received + value.length));
      grown.set(buffer.subarray(0, received));
      buffer = grown;
    }
    buffer.set(value, received);
    received += value.length;
  }
  return received === buffer.length ? buffer.buffer : buffer.buffer.slice(0, received);
}

/**
 * Download an image file for the viewer: a .mha is read as it streams in (voxels inflated
 * into one preallocated NIfTI file, see mha.mjs readMhaStream, with `onStart`/`onData`
 * for showing slices before the end); anything else is fetched whole. Returns
 * `{ buffer, name }` for Niivue.
 */
export async function fetchImage(url, name, { onProgress = () => {}, onStart, onData, fetchImpl = fetch } = {}) {
  if (!name.endsWith(".mha")) return { buffer: await fetchWithProgress(url, onProgress, fetchImpl), name };
  const response = await open(url, fetchImpl);
  return readMhaStream(chunksOf(response, onProgress), name, { onStart, onData });
}
