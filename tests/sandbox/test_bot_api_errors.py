"""Every Telegram error the sandbox produces reaches PTB as the right exception."""

from __future__ import annotations

import datetime as dtm

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.sandbox import Limits, SandboxServer, SandboxState, SandboxUser
from bot.sandbox.callbacks import ANSWER_WITHIN_SECONDS
from bot.sandbox.errors import ApiError
from bot.sandbox.html import FormattedText

from .conftest import TOKEN, StartSandbox, started


async def test_text_over_4096_utf16_units_is_too_long(bot: Bot, alice: SandboxUser) -> None:
    # 2048 emoji are 4096 UTF-16 units; one more character tips it over.
    with pytest.raises(BadRequest) as error:
        await bot.send_message(alice.id, "😀" * 2048 + "!")
    assert error.value.message == "Message is too long"


async def test_text_of_exactly_4096_utf16_units_is_accepted(bot: Bot, alice: SandboxUser) -> None:
    sent = await bot.send_message(alice.id, "😀" * 2048)
    assert sent.text == "😀" * 2048


async def test_markup_does_not_count_towards_the_length(bot: Bot, alice: SandboxUser) -> None:
    sent = await bot.send_message(alice.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text or "") == 4096


async def test_whitespace_only_text_is_empty(bot: Bot, alice: SandboxUser) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.send_message(alice.id, " \n ")
    assert error.value.message == "Message text is empty"


async def test_unsupported_html_tag_is_a_bad_request(bot: Bot, alice: SandboxUser) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.send_message(alice.id, "<foo>x</foo>", parse_mode="HTML")
    assert error.value.message == (
        'Can\'t parse entities: unsupported start tag "foo" at byte offset 0'
    )


async def test_unclosed_html_tag_is_a_bad_request(bot: Bot, alice: SandboxUser) -> None:
    with pytest.raises(BadRequest, match='corresponding to start tag "b"'):
        await bot.send_message(alice.id, "<b>bold", parse_mode="HTML")


async def test_an_unescaped_less_than_sign_is_a_bad_request(bot: Bot, alice: SandboxUser) -> None:
    with pytest.raises(BadRequest, match='unsupported start tag "" at byte offset 2'):
        await bot.send_message(alice.id, "2 < 3", parse_mode="HTML")


async def test_callback_data_over_64_bytes_is_a_bad_request(bot: Bot, alice: SandboxUser) -> None:
    # 65 bytes in only 23 characters: the limit is on UTF-8 bytes.
    button = InlineKeyboardButton("x", callback_data="€" * 21 + "ab")
    with pytest.raises(BadRequest) as error:
        await bot.send_message(alice.id, "pick", reply_markup=InlineKeyboardMarkup([[button]]))
    assert error.value.message == "Button_data_invalid"


async def test_callback_data_of_64_bytes_is_accepted(bot: Bot, alice: SandboxUser) -> None:
    button = InlineKeyboardButton("x", callback_data="d" * 64)
    assert await bot.send_message(alice.id, "pick", reply_markup=InlineKeyboardMarkup([[button]]))


async def test_an_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.send_message(999, "hello?")
    assert error.value.message == "Chat not found"


async def test_sending_to_a_user_who_blocked_the_bot_is_forbidden(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.block(alice.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "still there?")


async def test_sending_works_again_after_unblocking(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.block(alice.id)
    sandbox.state.unblock(alice.id)
    assert await bot.send_message(alice.id, "welcome back")


async def test_a_wrong_token_is_an_invalid_token(sandbox: SandboxServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123456:wrong", base_url=sandbox.bot_api_base_url):
            pass


async def test_exceeding_the_per_chat_rate_is_retry_after(
    start_sandbox: StartSandbox,
) -> None:
    server = await start_sandbox(Limits(per_chat_per_second=0.1, per_chat_burst=2))
    user = started(server.state, "Bo")
    async with Bot(TOKEN, base_url=server.bot_api_base_url) as bot:
        await bot.send_message(user.id, "one")
        await bot.send_message(user.id, "two")
        with pytest.raises(RetryAfter) as error:
            await bot.send_message(user.id, "three")
    # One token refills in 1 / 0.1 = 10 seconds.
    assert error.value.retry_after == dtm.timedelta(seconds=10)
    assert len(server.state.messages(user.id)) == 2


async def test_exceeding_the_overall_rate_is_retry_after(start_sandbox: StartSandbox) -> None:
    server = await start_sandbox(Limits(overall_per_second=2))
    users = [started(server.state, name) for name in ("A", "B", "C")]
    async with Bot(TOKEN, base_url=server.bot_api_base_url) as bot:
        await bot.send_message(users[0].id, "one")
        await bot.send_message(users[1].id, "two")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[2].id, "three")


async def test_reading_methods_do_not_count_against_the_rate(
    start_sandbox: StartSandbox,
) -> None:
    server = await start_sandbox(Limits(overall_per_second=1))
    user = started(server.state, "Bo")
    async with Bot(TOKEN, base_url=server.bot_api_base_url) as bot:
        for _ in range(3):
            await bot.get_updates()
        assert await bot.send_message(user.id, "one")


async def test_error_bodies_have_telegrams_exact_shape(
    sandbox: SandboxServer, page: aiohttp.ClientSession
) -> None:
    started(sandbox.state, "Bo")
    async with page.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 5, "text": "x"}) as reply:
        body = await reply.json()
    assert (reply.status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )


async def test_a_rate_limit_body_carries_retry_after(
    start_sandbox: StartSandbox,
) -> None:
    server = await start_sandbox(Limits(overall_per_second=1))
    user = started(server.state, "Bo")
    url = f"{server.bot_api_base_url}{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as client:
        for _ in range(2):
            async with client.post(url, data={"chat_id": str(user.id), "text": "x"}) as reply:
                body = await reply.json()
    assert (reply.status, body["description"], body["parameters"]) == (
        429,
        "Too Many Requests: retry after 1",
        {"retry_after": 1},
    )


async def test_an_unknown_method_is_not_found(page: aiohttp.ClientSession) -> None:
    async with page.get(f"/bot{TOKEN}/sendTelepathy") as reply:
        body = await reply.json()
    assert (reply.status, body["description"]) == (404, "Not Found")


async def test_parameters_may_come_as_a_query_string(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    params = {"chat_id": str(alice.id), "text": "from the query"}
    async with page.get(f"/bot{TOKEN}/sendMessage", params=params) as reply:
        body = await reply.json()
    assert body["ok"] is True
    assert sandbox.state.messages(alice.id)[0]["text"] == "from the query"


async def test_parameters_may_come_as_multipart_form_data(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("text", "from a form")
    form.add_field("reply_markup", '{"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}')
    async with page.post(f"/bot{TOKEN}/sendMessage", data=form()) as reply:
        body = await reply.json()
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


async def test_a_bot_cannot_write_first_to_a_user_who_never_wrote_to_it(
    bot: Bot, sandbox: SandboxServer
) -> None:
    # Opening the bot's chat is not enough on Telegram: the user must press Start.
    stranger = sandbox.state.add_user("Sven")
    for send in (
        bot.send_message(stranger.id, "hello?"),
        bot.send_photo(stranger.id, b"\x89PNG\r\n\x1a\n a photo"),
        bot.send_document(stranger.id, b"a,b\n", filename="a.csv"),
        bot.send_chat_action(stranger.id, "typing"),
    ):
        with pytest.raises(Forbidden) as error:
            await send
        assert error.value.message == "Forbidden: bot can't initiate conversation with a user"
    assert sandbox.state.messages(stranger.id) == []


async def test_once_the_user_pressed_start_the_bot_may_write(
    bot: Bot, sandbox: SandboxServer
) -> None:
    stranger = sandbox.state.add_user("Sven")
    sandbox.state.user_sends_text(stranger.id, "/start")
    assert (await bot.send_message(stranger.id, "Welcome")).text == "Welcome"


async def test_copying_to_a_user_who_never_wrote_is_forbidden(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    stranger = sandbox.state.add_user("Sven")
    sent = await bot.send_message(alice.id, "to pass on")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.copy_message(stranger.id, alice.id, sent.message_id)


async def test_a_user_who_wrote_stays_reachable_after_a_restart(
    start_sandbox: StartSandbox,
) -> None:
    server = await start_sandbox(Limits())
    user = server.state.add_user("Sven")
    server.state.user_sends_text(user.id, "hi")
    again = SandboxState()
    again.load(server.state.dump())
    assert again.bot_sends(user.id, FormattedText("still here"))["text"] == "still here"
    stranger = again.add_user("Bo")
    with pytest.raises(ApiError, match="bot can't initiate conversation"):
        again.bot_sends(stranger.id, FormattedText("hello?"))


async def test_an_answer_after_telegrams_time_limit_is_too_old(start_sandbox: StartSandbox) -> None:
    now = [1_800_000_000.0]
    server = SandboxServer(token=TOKEN, port=0, state=SandboxState(clock=lambda: now[0]))
    await server.start()
    try:
        user = started(server.state, "Ana")
        async with Bot(TOKEN, base_url=server.bot_api_base_url) as bot:
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
            sent = await bot.send_message(user.id, "Ready?", reply_markup=keyboard)
            in_time = server.state.user_presses_button(user.id, sent.message_id, "go")
            late = server.state.user_presses_button(user.id, sent.message_id, "go")
            now[0] += ANSWER_WITHIN_SECONDS
            assert await bot.answer_callback_query(in_time, text="Saved")
            now[0] += 1
            with pytest.raises(BadRequest) as error:
                await bot.answer_callback_query(late, text="Saved")
    finally:
        await server.stop()
    assert error.value.message == (
        "Query is too old and response timeout expired or query id is invalid"
    )
    assert server.state.callback_answer(late) is None
