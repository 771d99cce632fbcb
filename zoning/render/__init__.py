"""Renderers: turn results, rule sets and layer inventories into text, JSON, CSV and Markdown."""
