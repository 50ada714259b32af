// Reports: the Print button (the CSP allows no inline handlers), and the figures' htmx updates. htmx leaves
// a 4xx answer unswapped by default, which would keep showing the old figures under a period that ends before
// it starts: the report's 400 carries the reason, so it replaces the figures like any answer.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target.id === "report-body" && event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
