// Cases: live form helpers, triage-queue keyboard, auto-submitting filters. Pages work without it.
(function () {
  "use strict";

  // Filters that apply on change (list page).
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("[data-autosubmit]") && el.form && !el.form.hasAttribute("hx-get")) el.form.submit();
  });

  // --- Open/edit case form ---------------------------------------------------------------------
  const form = document.getElementById("case-form");
  if (form) {
    const field = (name) => form.elements.namedItem(name);
    const siteFields = ["site_address_line1", "site_address_line2", "site_city", "site_postal_code", "site_country", "site_timezone"];
    const unitInfo = document.getElementById("unit-info");
    const countryFlag = document.getElementById("country-flag");
    let unitCountry = null;

    const text = (tag, cls, value) => {
      const el = document.createElement(tag);
      if (cls) el.className = cls;
      el.textContent = value;
      return el;
    };

    const flagCountry = () => {
      if (!countryFlag) return;
      countryFlag.replaceChildren();
      const site = (field("site_country")?.value || "").trim().toUpperCase();
      if (unitCountry && site && site !== unitCountry) {
        countryFlag.append(text("div", "alert alert-warning small py-2",
          `The unit is registered in ${unitCountry}, not ${site}. Dell onsite service follows the registered location: ` +
          "file a service-tag transfer if the unit has moved."));
      }
    };

    const toggle = () => {
      const hw = form.querySelector("input[name=category]:checked")?.value !== "software";
      const comp = field("component");
      comp?.closest(".mb-3")?.classList.toggle("d-none", !hw);
      document.getElementById("ppid-group")?.classList.toggle("d-none", !(hw && comp?.value === "hard_drive"));
      const why = field("diagnostics_unavailable_reason");
      why?.closest(".mb-3")?.classList.toggle("d-none", field("customer_available_for_diagnostics")?.value !== "no");
    };

    const lookup = async () => {
      const tag = (field("service_tag")?.value || "").trim();
      if (!unitInfo) return;
      unitInfo.replaceChildren();
      unitCountry = null;
      if (!tag) { flagCountry(); return; }
      const url = `${form.dataset.unitLookup}?service_tag=${encodeURIComponent(tag)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await response.json();
      if (!response.ok) {
        unitInfo.append(text("div", "text-danger small", data.message || "Unknown service tag."));
        flagCountry();
        return;
      }
      unitCountry = data.site.site_country;
      const box = text("div", "small border rounded p-2 bg-body-tertiary", "");
      box.append(text("strong", "", `${data.service_tag} · ${data.model}`), text("span", "", ` · ${data.reseller} · warranty to ${data.warranty_end_on}`));
      if (!data.location_confirmed) box.append(text("div", "text-warning-emphasis", "Location not yet confirmed by a service-tag transfer."));
      unitInfo.append(box);
      const empty = siteFields.every((name) => !(field(name)?.value || "").trim());
      if (empty) {
        for (const name of siteFields) if (field(name)) field(name).value = data.site[name] || "";
        form.dispatchEvent(new Event("change", { bubbles: true }));
      }
      flagCountry();
    };

    // Drafts: what you type is kept in this browser until you save (the server draft is "Save as draft").
    const key = `husky-draft:${form.dataset.draftKey}`;
    const hasErrors = form.querySelector(".is-invalid, .alert-danger");
    const save = () => {
      const values = {};
      for (const el of form.elements) {
        if (!el.name || el.type === "file" || el.type === "hidden" || el.name === "csrfmiddlewaretoken") continue;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
        values[el.name] = el.value;
      }
      try { localStorage.setItem(key, JSON.stringify(values)); } catch (e) { /* storage full or disabled */ }
    };
    if (form.dataset.draftKey === "new-case" && !hasErrors) {
      let stored = null;
      try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
      if (stored && !(field("title")?.value)) {
        for (const [name, value] of Object.entries(stored)) {
          const el = field(name);
          if (!el) continue;
          if (el instanceof RadioNodeList) { for (const r of el) r.checked = r.value === value; } else { el.value = value; }
        }
        const note = text("div", "alert alert-info small d-flex justify-content-between align-items-center", "We restored what you typed last time.");
        const discard = text("button", "btn btn-sm btn-outline-secondary", "Start afresh");
        discard.type = "button";
        discard.addEventListener("click", () => { localStorage.removeItem(key); window.location.reload(); });
        note.append(discard);
        form.prepend(note);
        form.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", () => { toggle(); flagCountry(); });
    form.addEventListener("submit", () => { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } });
    field("service_tag")?.addEventListener("change", lookup);
    toggle();
    if ((field("service_tag")?.value || "").trim()) lookup();
  }

  // --- Triage queue keyboard: j/k move, Enter opens, t takes, / searches ------------------------
  const rows = () => Array.from(document.querySelectorAll("table[data-queue] tbody tr"));
  let current = -1;
  const select = (index) => {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("is-selected", i === current));
    all[current].focus({ preventScroll: false });
  };
  document.addEventListener("keydown", (event) => {
    if (!document.querySelector("table[data-queue]")) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.metaKey || event.ctrlKey || event.altKey) return;
    const all = rows();
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "Enter" && all[current]) { window.location.href = all[current].dataset.href; }
    else if (event.key === "t" && all[current]) { all[current].querySelector("[data-take]")?.click(); event.preventDefault(); }
    else if (event.key === "/") { document.getElementById("id_q")?.focus(); event.preventDefault(); }
  });
  document.body.addEventListener("htmx:afterSwap", () => { if (current >= 0) select(current); });
})();
