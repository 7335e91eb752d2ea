"""What every layer may use: configuration, time, encryption, keys, logging."""
