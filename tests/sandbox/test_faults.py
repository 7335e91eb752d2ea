"""The sandbox's injected faults: each fires as often as asked, is counted when it fires,
and can be called off."""

from bot.sandbox.faults import Faults


def test_a_fault_is_counted_each_time_it_fires_and_not_before() -> None:
    faults = Faults()
    faults.inject("sendMessage", "server_error", count=2, skip=1)

    fired = [faults.next_for("sendMessage") is not None for _ in range(4)]

    assert fired == [False, True, True, False]
    assert faults.fired == {("sendmessage", "server_error"): 2}
    assert faults.unfired() == 0


def test_clearing_calls_off_the_faults_yet_to_fire_and_keeps_the_count() -> None:
    faults = Faults()
    faults.inject("answerCallbackQuery", "reset", count=3)
    assert faults.next_for("answerCallbackQuery") is not None

    faults.clear()

    assert faults.next_for("answerCallbackQuery") is None
    assert faults.unfired() == 0
    assert faults.fired == {("answercallbackquery", "reset"): 1}
