// Downloads an image file through its permission-checked URL (which redirects to a
// short-lived signed object-store URL), reporting progress, with errors a reader understands.

export class LoadError extends Error {}

/** The message shown for an HTTP status of the permission-checked URL or the store. */
export function messageForStatus(status) {
  if (status === 401 || status === 403 || status === 404) {
    return "You do not have permission to view this image, or it no longer exists.";
  }
  if (status === 503) return "The image store is unavailable; try again in a minute.";
  return `The image could not be downloaded (HTTP ${status}).`;
}

/** Fetch `url` into an ArrayBuffer, calling onProgress(received, total) as bytes arrive. */
export async function fetchWithProgress(url, onProgress = () => {}, fetchImpl = fetch) {
  let response;
  try {
    response = await fetchImpl(url, { credentials: "same-origin" });
  } catch (err) {
    throw new LoadError(`The image could not be downloaded: ${err.message || "network error"}.`);
  }
  if (!response.ok) throw new LoadError(messageForStatus(response.status));
  const total = Number(response.headers.get("Content-Length")) || 0;
  if (!response.body) return response.arrayBuffer();
  // Write into one preallocated buffer when the size is known: no second copy of a large CT.
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total || 1 << 20);
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, received + value.length));
      grown.set(buffer.subarray(0, received));
      buffer = grown;
    }
    buffer.set(value, received);
    received += value.length;
    onProgress(received, total);
  }
  if (total && received !== total) {
    throw new LoadError(`The download stopped early (${received} of ${total} bytes).`);
  }
  return received === buffer.length ? buffer.buffer : buffer.buffer.slice(0, received);
}
