"""The page's JSON API, over HTTP with aiohttp's client."""

from __future__ import annotations

import asyncio

import aiohttp
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
)

from bot.sandbox import Panel, SandboxServer, SandboxUser


async def test_the_page_is_served_at_the_root(page: aiohttp.ClientSession) -> None:
    async with page.get("/") as reply:
        html = await reply.text()
    assert reply.status == 200
    assert "frizon sandbox" in html


async def test_the_script_and_stylesheet_are_served(page: aiohttp.ClientSession) -> None:
    for path in ("/sandbox/static/app.js", "/sandbox/static/style.css"):
        async with page.get(path) as reply:
            assert reply.status == 200, path


async def test_panels_list_titles_users_and_suggestions(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    sandbox.set_panels([Panel("Coordinator", alice.id, "/start abc")])
    async with page.get("/sandbox/api/panels") as reply:
        [panel] = (await reply.json())["panels"]
    assert (panel["key"], panel["name"], panel["suggestion"]) == (
        "coordinator",
        "Alice Andersson",
        "/start abc",
    )


async def test_sending_text_from_the_page_reaches_the_bot(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    async with page.post(f"/sandbox/api/chats/{alice.id}/messages", json={"text": "/help"}):
        pass
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "/help"


async def test_polling_waits_for_the_bots_reply(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    url = f"/sandbox/api/chats/{alice.id}/messages"
    poll = asyncio.create_task(page.get(url, params={"after": "0", "wait": "5"}))
    await asyncio.sleep(0.05)  # let the poll start waiting
    await bot.send_message(alice.id, "<b>Hi</b> <script>", parse_mode=None)
    async with await asyncio.wait_for(poll, 2) as reply:
        body = await reply.json()
    [message] = body["messages"]
    assert (message["sender"], message["safe_html"]) == (
        "bot",
        "&lt;b&gt;Hi&lt;/b&gt; &lt;script&gt;",
    )
    assert body["last_seq"] == message["seq"]


async def test_polling_returns_the_keyboard_and_commands(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    await bot.set_my_commands([BotCommand("help", "Help")])
    await bot.send_message(alice.id, "Mood?", reply_markup=ReplyKeyboardMarkup([["1", "2"]]))
    async with page.get(f"/sandbox/api/chats/{alice.id}/messages") as reply:
        body = await reply.json()
    assert body["reply_keyboard"]["keyboard"] == [[{"text": "1"}, {"text": "2"}]]
    assert body["commands"] == [{"command": "help", "description": "Help"}]


async def test_pressing_a_button_returns_the_bots_answer(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("5", callback_data="ci:mood:5")]])
    sent = await bot.send_message(alice.id, "Mood?", reply_markup=keyboard)

    async def answer_like_a_bot() -> None:
        updates = await bot.get_updates(timeout=5)
        assert updates[0].callback_query is not None
        await updates[0].callback_query.answer("Noted")

    answering = asyncio.create_task(answer_like_a_bot())
    body = {"message_id": sent.message_id, "data": "ci:mood:5"}
    async with page.post(f"/sandbox/api/chats/{alice.id}/callback", json=body) as reply:
        result = await reply.json()
    await answering
    assert result["answer"] == {"text": "Noted", "show_alert": False, "url": None}


async def test_pressing_a_missing_button_is_a_400(
    alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    body = {"message_id": 1, "data": "nope"}
    async with page.post(f"/sandbox/api/chats/{alice.id}/callback", json=body) as reply:
        assert reply.status == 400
        assert "no bot message 1" in (await reply.json())["error"]


async def test_a_message_without_text_is_a_400(
    alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    async with page.post(f"/sandbox/api/chats/{alice.id}/messages", json={"txt": "x"}) as reply:
        assert (reply.status, await reply.json()) == (400, {"error": "'text' is required"})


async def test_a_body_that_is_not_json_is_a_400(
    alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    async with page.post(f"/sandbox/api/chats/{alice.id}/messages", data="text=x") as reply:
        assert reply.status == 400


async def test_an_unknown_user_is_a_404(page: aiohttp.ClientSession) -> None:
    async with page.get("/sandbox/api/chats/5/messages") as reply:
        assert reply.status == 404


async def test_blocking_from_the_page_blocks_the_bot(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    url = f"/sandbox/api/chats/{alice.id}/block"
    async with page.post(url, json={"blocked": True}) as reply:
        assert (await reply.json()) == {"blocked": True}
    assert sandbox.state.is_blocked(alice.id)


async def test_adding_a_user_from_the_page_creates_a_chat(
    sandbox: SandboxServer, page: aiohttp.ClientSession
) -> None:
    async with page.post("/sandbox/api/users", json={"first_name": "Eva"}) as reply:
        user = await reply.json()
    assert reply.status == 201
    assert sandbox.state.user(user["id"]).first_name == "Eva"


async def test_a_control_runs_its_handler_and_shows_its_text(
    sandbox: SandboxServer, page: aiohttp.ClientSession
) -> None:
    async def advance() -> str:
        return "Sent 3 prompts"

    sandbox.add_control("advance", "Advance to the next prompt", advance)
    async with page.get("/sandbox/api/controls") as reply:
        assert (await reply.json())["controls"] == [
            {
                "name": "advance",
                "label": "Advance to the next prompt",
                "confirm": None,
                "reload": False,
            }
        ]
    async with page.post("/sandbox/api/controls/advance") as reply:
        assert (await reply.json()) == {"text": "Sent 3 prompts"}


async def test_files_the_bot_sent_can_be_seen_and_downloaded_from_the_page(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    await bot.send_photo(alice.id, png)
    await bot.send_document(alice.id, b"pairs,csv\n", filename="pairs ö.csv")
    async with page.get(f"/sandbox/api/chats/{alice.id}/messages") as reply:
        photo, document = (await reply.json())["messages"]

    async with page.get(photo["file_url"]) as image:
        assert (image.status, image.content_type, await image.read()) == (200, "image/png", png)
    async with page.get(document["file_url"]) as csv_file:
        assert csv_file.status == 200 and await csv_file.read() == b"pairs,csv\n"
        assert csv_file.headers["Content-Disposition"].endswith("pairs%20%C3%B6.csv")
    async with page.get("/sandbox/api/files/no-such-file") as missing:
        assert missing.status == 404


async def test_a_sample_photo_has_no_file_url(
    sandbox: SandboxServer, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    sandbox.state.user_sends_photo(alice.id)
    async with page.get(f"/sandbox/api/chats/{alice.id}/messages") as reply:
        [sample] = (await reply.json())["messages"]
    assert sample["media"] == "photo" and "file_url" not in sample


async def test_a_text_over_4096_units_typed_on_the_page_goes_as_several_messages(
    bot: Bot, alice: SandboxUser, page: aiohttp.ClientSession
) -> None:
    first, second = "Long shift. " * 300, "Still here. " * 100  # 3600 and 1200 characters
    url = f"/sandbox/api/chats/{alice.id}/messages"
    async with page.post(url, json={"text": f"{first}\n{second}"}) as reply:
        assert reply.status == 201
        assert len((await reply.json())["update_ids"]) == 2
    updates = await bot.get_updates()
    texts = [u.message.text for u in updates if u.message is not None]
    assert texts == [first.strip(), second.strip()]
