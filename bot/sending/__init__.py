"""Sending the outbox: what each delivery says, the sender, its pacing."""
