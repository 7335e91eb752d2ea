"""`frizon sandbox`: the sandbox on its own — the stand-in Bot API and its chat page —
for frizon processes started separately, e.g. two webhook instances behind nginx
(README, "Trying several instances locally"). `frizon run` without a token starts its
own sandbox inside and needs none of this."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

# The services load inside each command, not here: see bot/cli/support.py.


def sandbox_command(
    port: Annotated[int, typer.Option(help="Port of the page and the Bot API.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    webhook_ca: Annotated[
        Path | None,
        typer.Option(
            help="A certificate (PEM) to trust when posting to a webhook: the one your "
            "reverse proxy presents, if it is self-signed.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Run the sandbox alone (Bot API and chat page) for frizon processes started apart."""
    import asyncio

    asyncio.run(_serve(host, port, webhook_ca))


async def _serve(host: str, port: int, webhook_ca: Path | None) -> None:
    import asyncio

    from bot.core.config import SANDBOX_TOKEN
    from bot.sandbox import SandboxServer

    server = SandboxServer(token=SANDBOX_TOKEN, host=host, port=port, webhook_ca_file=webhook_ca)
    try:
        await server.start()
    except OSError as error:
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {error.strerror}") from None
    typer.echo(f"frizon sandbox: open {server.url}/ in your browser. Ctrl+C stops it.")
    typer.echo("Point frizon at it with:")
    typer.echo(f"  export FRIZON_TELEGRAM_TOKEN={SANDBOX_TOKEN}")
    typer.echo(f"  export FRIZON_TELEGRAM_BASE_URL={server.bot_api_base_url}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
