"""One module per purpose family: each declares its composers (bot/sending/composer.py)."""
