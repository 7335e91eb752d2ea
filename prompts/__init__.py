"""The Jinja2 templates for every text frizon sends, shipped as package data."""

from pathlib import Path

TEMPLATE_ROOT = Path(__file__).parent
"""Folder holding the templates; found next to this file in a checkout and in a wheel."""
