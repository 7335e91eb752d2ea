"""What the bot says and shows: templates per locale, keyboards as values, their check."""
