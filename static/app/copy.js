// Copy buttons: <button data-copy="ID"> copies the text of #ID. Hidden without JavaScript
// or a clipboard, so no button that does nothing is shown.
for (const button of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const id = button.dataset.copy;
    const status = document.querySelector(`[data-copied-for="${id}"]`);
    try {
      await navigator.clipboard.writeText(document.getElementById(id).textContent.trim());
      if (status) status.textContent = "Copied.";
    } catch (error) {
      if (status) status.textContent = "Could not copy: select the text and copy it.";
    }
  });
}
