"""Talking to the Bot API: HTTP, durable polling, reply pacing, update identity."""
