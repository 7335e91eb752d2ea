"""Outbox keys (`Delivery.cycle`), one module per purpose family: each key is built and
read back only by its module, never formatted or split by hand elsewhere. A key makes a
delivery unique with its member and purpose, so it names what the message is about."""
