"""Webhooks like Telegram's: a real aiohttp receiver on loopback, the real PTB Bot setting it.

setWebhook makes the sandbox POST each update (with the secret header) and keep it
pending until the receiver answers 2xx; getUpdates is refused meanwhile, and
deleteWebhook hands what is pending back to polling.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, WebhookInfo
from telegram.error import BadRequest, Conflict

from bot.sandbox import SandboxServer, SandboxUser, WebhookTiming
from tests.tls import Certificate, self_signed_certificate

from .conftest import TOKEN, started

# Impatient, so that time-outs and back-offs take a fraction of a second.
FAST = WebhookTiming(answer_timeout=0.5, first_retry=0.1, longest_retry=0.4)
SECRET = "s3cret_-TOKEN"


@dataclass
class Delivery:
    """One POST the receiver got."""

    headers: dict[str, str]
    content_type: str
    update: dict[str, Any]
    at: float  # monotonic

    @property
    def text(self) -> str:
        return str(self.update["message"]["text"])


@dataclass
class Receiver:
    """The bot's side of a webhook: records every POST and answers as scripted.

    ``statuses`` are the answers to the next requests (200 once it is empty);
    a text in ``held`` is not answered until its event is set (or the sandbox gives up).
    """

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        delivery = Delivery(dict(request.headers), request.content_type, update, time.monotonic())
        self.deliveries.append(delivery)
        self.changed.set()
        hold = self.held.get(delivery.text) if "message" in update else None
        if hold is not None:
            await hold.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.deliveries]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Delivery]:  # noqa: ASYNC109
        """Wait until at least ``count`` deliveries arrived."""
        async with asyncio.timeout(timeout):
            while len(self.deliveries) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.deliveries


async def _serve(receiver: Receiver, context: ssl.SSLContext | None = None) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"{'https' if context else 'http'}://localhost:{port}/hook"
    return runner


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    runner = await _serve(found)
    yield found
    for event in found.held.values():
        event.set()
    await runner.cleanup()


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """Overrides conftest's: the same server with FAST webhook timing."""
    server = SandboxServer(token=TOKEN, port=0, webhook_timing=FAST)
    await server.start()
    yield server
    await server.stop()


def _text_to(sandbox: SandboxServer, user: SandboxUser, text: str) -> int:
    return int(sandbox.state.user_sends_text(user.id, text)["update_id"])


async def _info_once(bot: Bot, ready: Callable[[WebhookInfo], bool]) -> WebhookInfo:
    """getWebhookInfo, asked again until ``ready``: the sandbox delivers in its own time."""
    async with asyncio.timeout(5):
        while not ready(info := await bot.get_webhook_info()):  # noqa: ASYNC110 - bots poll
            await asyncio.sleep(0.02)
    return info


async def _pending_becomes(bot: Bot, count: int) -> None:
    await _info_once(bot, lambda info: info.pending_update_count == count)


async def test_each_update_is_posted_as_json_with_the_exact_secret_header(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    update_id = _text_to(sandbox, alice, "hello")
    [delivery] = await receiver.wait_for(1)
    assert delivery.headers["X-Telegram-Bot-Api-Secret-Token"] == SECRET
    assert delivery.content_type == "application/json"
    assert delivery.update["update_id"] == update_id
    assert delivery.update["message"]["chat"]["id"] == alice.id
    await _pending_becomes(bot, 0)


async def test_without_a_secret_token_there_is_no_secret_header(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "hello")
    [delivery] = await receiver.wait_for(1)
    assert "X-Telegram-Bot-Api-Secret-Token" not in delivery.headers


async def test_one_chat_in_order_while_another_chat_goes_on_in_parallel(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    bob = started(sandbox.state, "Bob")
    receiver.held["a1"] = asyncio.Event()
    await bot.set_webhook(receiver.url)
    for text in ("a1", "b1", "a2", "b2", "a3"):
        _text_to(sandbox, alice if text.startswith("a") else bob, text)
    await receiver.wait_for(3)  # a1 (held), b1, b2: Bob's chat does not wait for Alice's
    await asyncio.sleep(0.2)
    assert sorted(receiver.texts) == ["a1", "b1", "b2"]
    receiver.held["a1"].set()
    await receiver.wait_for(5)
    alices = [t for t in receiver.texts if t.startswith("a")]
    assert alices == ["a1", "a2", "a3"]
    await _pending_becomes(bot, 0)


async def test_max_connections_bounds_the_deliveries_under_way(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    bob = started(sandbox.state, "Bob")
    receiver.held["a1"] = asyncio.Event()
    await bot.set_webhook(receiver.url, max_connections=1)
    _text_to(sandbox, alice, "a1")
    _text_to(sandbox, bob, "b1")
    await receiver.wait_for(1)
    await asyncio.sleep(0.2)
    assert receiver.texts == ["a1"]  # one connection: Bob waits although his chat is free
    receiver.held["a1"].set()
    await receiver.wait_for(2)
    assert receiver.texts == ["a1", "b1"]


async def test_a_500_is_delivered_again_once_and_then_no_more(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    await bot.set_webhook(receiver.url)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    update_id = _text_to(sandbox, alice, "hello")
    first, second = await receiver.wait_for(2)
    assert first.update == second.update and first.update["update_id"] == update_id
    await _pending_becomes(bot, 0)
    await asyncio.sleep(FAST.longest_retry + 0.2)
    assert len(receiver.deliveries) == 2
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None and info.last_error_date >= before


@pytest.mark.parametrize("status", [201, 204, 299])
async def test_any_2xx_confirms(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver, status: int
) -> None:
    receiver.statuses = [status]
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "hello")
    await _pending_becomes(bot, 0)
    assert len(receiver.deliveries) == 1


async def test_a_redirect_is_not_followed_but_retried(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    receiver.statuses = [302]
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "hello")
    await receiver.wait_for(2)
    assert (await bot.get_webhook_info()).last_error_message == (
        "Wrong response from the webhook: 302 Found"
    )


async def test_a_failing_update_stays_pending_and_backs_off(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    receiver.statuses = [502, 502, 502, 502]
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "hello")
    _text_to(sandbox, alice, "next")
    deliveries = await receiver.wait_for(4)
    assert [d.text for d in deliveries[:4]] == ["hello"] * 4  # "next" waits behind it
    gaps = [b.at - a.at for a, b in itertools.pairwise(deliveries[:4])]
    # 0.1, 0.2, then 0.4 (the longest): each wait at least the schedule's.
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] >= 0.39
    info = await bot.get_webhook_info()
    assert info.pending_update_count >= 1
    assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
    await receiver.wait_for(6)
    assert receiver.texts[4:6] == ["hello", "next"]
    await _pending_becomes(bot, 0)


async def test_an_answer_slower_than_the_patience_is_delivered_again(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    receiver.held["slow"] = asyncio.Event()  # never answered in time
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "slow")
    started_at = time.monotonic()
    await receiver.wait_for(2)
    assert time.monotonic() - started_at >= FAST.answer_timeout
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Read timeout expired"
    assert info.pending_update_count == 1
    receiver.held["slow"].set()
    await _pending_becomes(bot, 0)


async def test_a_webhook_nobody_listens_on_says_connection_refused(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
    _text_to(sandbox, alice, "anyone?")
    info = await _info_once(bot, lambda info: info.last_error_message is not None)
    assert info.last_error_message == "Connection refused"
    assert info.pending_update_count == 1


async def test_get_updates_while_a_webhook_is_set_is_a_409(bot: Bot, receiver: Receiver) -> None:
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()


async def test_set_webhook_ends_a_running_long_poll(bot: Bot, receiver: Receiver) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="terminated by setWebhook request"):
        await poll


async def test_delete_webhook_hands_pending_updates_back_to_polling(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 100
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "kept")
    await receiver.wait_for(1)
    assert await bot.delete_webhook()
    delivered = len(receiver.deliveries)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "kept"
    _text_to(sandbox, alice, "polled")
    polled = await bot.get_updates(offset=update.update_id + 1)
    assert [u.message.text for u in polled if u.message] == ["polled"]
    await asyncio.sleep(FAST.longest_retry + 0.1)
    assert len(receiver.deliveries) == delivered  # nothing is posted any more
    assert (await bot.get_webhook_info()).url == ""


async def test_delete_webhook_can_drop_what_is_pending(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 100
    await bot.set_webhook(receiver.url)
    _text_to(sandbox, alice, "dropped")
    await receiver.wait_for(1)
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_set_webhook_with_an_empty_url_removes_it(bot: Bot, receiver: Receiver) -> None:
    await bot.set_webhook(receiver.url)
    await bot.set_webhook("")
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_allowed_updates_filter_what_is_delivered(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, allowed_updates=["callback_query"])
    assert sandbox.state.user_sends_text(alice.id, "not wanted") == {}
    assert (await bot.get_webhook_info()).allowed_updates == ("callback_query",)


async def test_ptb_reads_what_get_webhook_info_answers(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    empty = await bot.get_webhook_info()
    assert (empty.url, empty.has_custom_certificate, empty.pending_update_count) == ("", False, 0)
    assert empty.max_connections is None and empty.last_error_message is None

    receiver.statuses = [503] * 100
    assert await bot.set_webhook(
        receiver.url,
        secret_token=SECRET,
        max_connections=7,
        allowed_updates=["message", "callback_query"],
    )
    _text_to(sandbox, alice, "one")
    await receiver.wait_for(1)
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.has_custom_certificate is False
    assert info.pending_update_count == 1
    assert info.max_connections == 7
    assert info.allowed_updates == ("message", "callback_query")
    assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
    assert isinstance(info.last_error_date, dt.datetime)

    assert await bot.delete_webhook()
    gone = await bot.get_webhook_info()
    assert (gone.url, gone.pending_update_count, gone.last_error_message) == ("", 1, None)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("https://example.com/hook", "example.com is not a loopback host"),
        ("http://10.0.0.7:8443/hook", "10.0.0.7 is not a loopback host"),
        ("https://api.telegram.org/hook", "api.telegram.org is not a loopback host"),
        ("ftp://localhost/hook", "an HTTP or HTTPS URL must be provided"),
        ("localhost:8443/hook", "an HTTP or HTTPS URL must be provided"),
    ],
)
async def test_a_webhook_off_this_machine_is_refused_kindly(
    bot: Bot, url: str, complaint: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i)bad webhook: .*{re.escape(complaint)}"):
        await bot.set_webhook(url)
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.parametrize(
    "url",
    ["http://localhost:1/x", "http://127.0.0.1:1/x", "http://127.8.9.10:1/", "http://[::1]:1/"],
)
async def test_loopback_hosts_are_accepted(bot: Bot, url: str) -> None:
    assert await bot.set_webhook(url)
    assert (await bot.get_webhook_info()).url == url


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"secret_token": "has:colon"}, "secret token contains unallowed characters"),
        ({"secret_token": "x" * 257}, "secret token contains unallowed characters"),
        ({"max_connections": 0}, "max_connections must be between 1 and 100"),
        ({"max_connections": 101}, "max_connections must be between 1 and 100"),
    ],
)
async def test_bad_settings_are_refused(
    bot: Bot, receiver: Receiver, arguments: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){complaint}"):
        await bot.set_webhook(receiver.url, **arguments)


async def test_the_webhook_survives_a_restart_and_delivers_what_is_pending(
    sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as first_bot:
        await first_bot.set_webhook(receiver.url, secret_token=SECRET, max_connections=3)
    await sandbox.stop()
    _text_to(sandbox, alice, "while down")  # queued while nothing delivers
    saved = json.loads(json.dumps(sandbox.dump()))  # what the state file keeps

    again = SandboxServer(token=TOKEN, port=0, webhook_timing=FAST)
    again.load(saved)
    await again.start()
    try:
        [delivery] = await receiver.wait_for(1)
        assert delivery.text == "while down"
        assert delivery.headers["X-Telegram-Bot-Api-Secret-Token"] == SECRET
        async with Bot(TOKEN, base_url=again.bot_api_base_url) as bot:
            info = await bot.get_webhook_info()
            assert (info.url, info.max_connections) == (receiver.url, 3)
            with pytest.raises(Conflict):
                await bot.get_updates()
    finally:
        await again.stop()


async def test_a_state_file_from_before_webhooks_loads_as_polling(
    sandbox: SandboxServer, bot: Bot
) -> None:
    saved = json.loads(json.dumps(sandbox.dump()))
    del saved["webhook"]
    again = SandboxServer(token=TOKEN, port=0)
    again.load(saved)
    await again.start()
    try:
        async with Bot(TOKEN, base_url=again.bot_api_base_url) as polling:
            assert await polling.get_updates() == ()
    finally:
        await again.stop()


# HTTPS with a self-signed certificate ----------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, as a reverse proxy has."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def tls_receiver(self_signed: Certificate) -> AsyncIterator[Receiver]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(self_signed.cert, self_signed.key)
    found = Receiver()
    runner = await _serve(found, context)
    yield found
    await runner.cleanup()


async def test_https_with_the_uploaded_self_signed_certificate(
    bot: Bot,
    sandbox: SandboxServer,
    alice: SandboxUser,
    tls_receiver: Receiver,
    self_signed: Certificate,
) -> None:
    with self_signed.cert.open("rb") as certificate:
        await bot.set_webhook(tls_receiver.url, certificate=certificate, secret_token=SECRET)
    _text_to(sandbox, alice, "over tls")
    [delivery] = await tls_receiver.wait_for(1)
    assert delivery.text == "over tls"
    info = await bot.get_webhook_info()
    assert info.has_custom_certificate is True and info.last_error_message is None


async def test_https_with_a_der_certificate_upload(
    bot: Bot,
    sandbox: SandboxServer,
    alice: SandboxUser,
    tls_receiver: Receiver,
    self_signed: Certificate,
) -> None:
    der = ssl.PEM_cert_to_DER_cert(self_signed.cert.read_text())
    await bot.set_webhook(tls_receiver.url, certificate=der)
    _text_to(sandbox, alice, "der")
    await tls_receiver.wait_for(1)


async def test_https_to_an_unknown_certificate_fails_with_an_ssl_error(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, tls_receiver: Receiver
) -> None:
    await bot.set_webhook(tls_receiver.url)
    _text_to(sandbox, alice, "not trusted")
    info = await _info_once(bot, lambda info: info.last_error_message is not None)
    assert info.last_error_message.startswith("SSL error {")
    assert "certificate verify failed" in info.last_error_message
    assert tls_receiver.deliveries == []  # refused before any request was sent


async def test_https_trusting_a_ca_file_given_to_the_server(
    sandbox_trusting_the_ca: SandboxServer, tls_receiver: Receiver
) -> None:
    sandbox = sandbox_trusting_the_ca
    alice = started(sandbox.state, "Alice")
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as bot:
        await bot.set_webhook(tls_receiver.url)
        _text_to(sandbox, alice, "ca file")
        await tls_receiver.wait_for(1)
        assert (await bot.get_webhook_info()).has_custom_certificate is False


@pytest.fixture
async def sandbox_trusting_the_ca(self_signed: Certificate) -> AsyncIterator[SandboxServer]:
    server = SandboxServer(
        token=TOKEN, port=0, webhook_timing=FAST, webhook_ca_file=self_signed.cert
    )
    await server.start()
    yield server
    await server.stop()


async def test_a_certificate_that_is_not_one_is_refused(bot: Bot, receiver: Receiver) -> None:
    with pytest.raises(BadRequest, match=r"(?i)bad webhook: Failed to set custom certificate file"):
        await bot.set_webhook(receiver.url, certificate=b"-----BEGIN CERTIFICATE-----\nnope\n")


async def test_two_set_webhooks_at_once_leave_one_webhook_delivering(
    sandbox: SandboxServer, alice: SandboxUser, receiver: Receiver
) -> None:
    # Instances starting together each call setWebhook; the last one set is the webhook,
    # and nothing is left delivering to what the other set.
    other = Receiver()
    runner = await _serve(other)
    try:
        async with (
            Bot(TOKEN, base_url=sandbox.bot_api_base_url) as bot,
            Bot(TOKEN, base_url=sandbox.bot_api_base_url) as second_instance,
        ):
            await bot.set_webhook(receiver.url)
            for _ in range(5):
                await asyncio.gather(
                    bot.set_webhook(receiver.url), second_instance.set_webhook(other.url)
                )
            set_to = (await bot.get_webhook_info()).url
        for n in range(6):
            _text_to(sandbox, alice, f"update {n}")
        winner, loser = (other, receiver) if set_to == other.url else (receiver, other)
        await asyncio.sleep(1.0)
        assert (len(winner.deliveries), len(loser.deliveries)) == (6, 0)
    finally:
        await runner.cleanup()
