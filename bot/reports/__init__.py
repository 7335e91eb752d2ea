"""Statistics rendered for people and files: the chart, JSON and CSV."""
