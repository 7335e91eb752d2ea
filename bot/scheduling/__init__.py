"""When things happen: cadences in local time, quiet hours, pauses and quiet periods."""
