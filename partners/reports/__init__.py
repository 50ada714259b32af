"""The reports section (docs/rules.md "Reports"): a registry of figures and filters that each app fills from its
AppConfig.ready(), the page, its CSV and the `reports/` API. Figures start from the visibility gate of their
own app, so every viewer counts only what it may see, in the page, the CSV and the API alike."""
