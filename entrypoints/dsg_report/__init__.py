"""The DSG access report's wiring and its human-readable (HTML) version."""
