"""The `frizon` command line."""

from bot.cli.main import app, main

__all__ = ["app", "main"]
