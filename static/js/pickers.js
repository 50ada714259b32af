// Country and time-zone pickers: a filter box above each searchable <select>, and the zone list
// narrowed to the chosen country (zones come from the select's data-zones attribute).
(() => {
  const norm = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  function addFilter(select) {
    if (select.dataset.filterReady) return;
    select.dataset.filterReady = "1";
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.dataset.searchable === "country" ? "Search countries by name or code…" : "Search time zones…";
    box.setAttribute("aria-label", box.placeholder);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", () => {
      const q = norm(box.value.trim());
      let first = null;
      for (const opt of select.options) {
        const show = !q || !opt.value || norm(opt.text).includes(q) || norm(opt.value).includes(q);
        opt.hidden = !show;
        if (show && opt.value && !first) first = opt;
      }
      if (first && q) select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    if (select.dataset.searchable === "country") select.size = 1;
  }

  function bindZones(zoneSelect) {
    const country = document.getElementById(zoneSelect.dataset.countryInput);
    if (!country || !zoneSelect.dataset.zones) return;
    const zones = JSON.parse(zoneSelect.dataset.zones);
    const all = Array.from(zoneSelect.options).map((o) => [o.value, o.text]);
    const refresh = () => {
      const list = zones[country.value] || null;
      const current = zoneSelect.value;
      zoneSelect.innerHTML = "";
      const rows = list ? list.map((z) => [z, z.replace(/_/g, " ")]) : all.filter(([v]) => v);
      const placeholder = list && list.length === 1 ? "Derived: " + list[0] : "Choose a time zone…";
      zoneSelect.add(new Option(placeholder, ""));
      for (const [value, text] of rows) zoneSelect.add(new Option(text, value));
      if (rows.some(([v]) => v === current)) zoneSelect.value = current;
      else if (list && list.length === 1) zoneSelect.value = list[0];
    };
    country.addEventListener("change", refresh);
    if (country.value) refresh();
  }

  function init(root) {
    root.querySelectorAll("select[data-searchable]").forEach(addFilter);
    root.querySelectorAll("select[data-zones]").forEach(bindZones);
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:load", (e) => init(e.target));
})();
