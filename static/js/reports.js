// Reports: the Print button (the CSP allows no inline handlers). The figures update in place through htmx.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
