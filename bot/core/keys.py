"""Where the reflection key comes from: the config, or in the sandbox a file it makes once."""

from __future__ import annotations

from pathlib import Path

from bot.core.config import Config
from bot.core.crypto import KeyProblem, ReflectionCipher, new_key

SANDBOX_KEY_FILE = Path("frizon-sandbox.key")


def reflection_cipher(
    config: Config, *, sandbox_key_file: Path = SANDBOX_KEY_FILE
) -> ReflectionCipher:
    """The cipher for reflection text; raise KeyProblem when a real bot has no usable key."""
    if config.security.reflection_key is not None:
        return ReflectionCipher(
            config.security.reflection_key.get_secret_value(), config.security.old_keys()
        )
    if not config.sandbox_mode:
        raise KeyProblem(
            "a bot token is set but no reflection key: run `frizon key` and set "
            "FRIZON_REFLECTION_KEY (or security.reflection_key)"
        )
    if not sandbox_key_file.exists():
        sandbox_key_file.write_text(new_key() + "\n")
        sandbox_key_file.chmod(0o600)
    return ReflectionCipher(sandbox_key_file.read_text(), config.security.old_keys())
