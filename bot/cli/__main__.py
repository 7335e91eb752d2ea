"""`python -m bot.cli` runs the same command line as `frizon`."""

from bot.cli.main import main

main()
