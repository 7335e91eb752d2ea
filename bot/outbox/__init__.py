"""The outbox: proactive messages as rows, their keys, and the sender's ledger."""
