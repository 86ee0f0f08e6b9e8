"""Prometheus series of every process (`series`), the figures computed at each scrape
(`figures`) and the /metrics port of a worker (`server`)."""
