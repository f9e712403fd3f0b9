// A part of a page that follows work in progress (an evaluation, an image check): an
// element with an id and data-live-part="<seconds>" is read again from the page's own URL
// that often and swapped in place, for as long as the fresh copy still carries
// data-live-part. No reload, so focus and scroll stay where the user left them (a meta
// refresh takes both, and axe flags it).
(function () {
  for (const part of document.querySelectorAll("[data-live-part][id]")) {
    const every = 1000 * (Number(part.dataset.livePart) || 5);
    const poll = async () => {
      let delay = every;
      try {
        const response = await fetch(location.href, { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const html = await response.text();
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(part.id);
        if (!fresh) return;
        for (const name of part.getAttributeNames()) {
          if (!fresh.hasAttribute(name)) part.removeAttribute(name);
        }
        for (const name of fresh.getAttributeNames()) part.setAttribute(name, fresh.getAttribute(name));
        part.innerHTML = fresh.innerHTML;
        if (!part.hasAttribute("data-live-part")) return;
      } catch (error) {
        delay = 2 * every; // a dropped connection: keep trying, more slowly
      }
      setTimeout(poll, delay);
    };
    setTimeout(poll, every);
  }
})();
