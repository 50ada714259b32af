// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    button.textContent = "Copied";
  });
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// A table wider than its box scrolls sideways inside it: such a box takes keyboard focus, so a person without
// a mouse can scroll it with the arrow keys (WCAG 2.1.1, axe-core's scrollable-region-focusable).
function focusableScrollers() {
  for (const box of document.querySelectorAll(".table-responsive")) {
    const scrolls = box.scrollWidth > box.clientWidth;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.dataset.scrollFocus = "";
      if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", "Table, scrolls sideways");
      box.setAttribute("role", "region");
    } else if (!scrolls && "scrollFocus" in box.dataset) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.scrollFocus;
    }
  }
}
focusableScrollers();
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(focusableScrollers, 150);
});
document.addEventListener("htmx:afterSettle", focusableScrollers);
