"""Time reaches the services as an instant, `now: datetime`: one per operation, so every
row written in one transaction carries the same time and a test passes a plain datetime.
A `Clock` lives only where something runs over time (the composition root, the sender
and its ledger, the sandbox, the command line's clock)."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import FunctionType, ModuleType

import bot.domain
import bot.outbox
import bot.scheduling
import bot.services
from bot.core.clock import Clock, ManualClock, OffsetClock, SystemClock

INSTANT_PACKAGES = (bot.services, bot.scheduling, bot.outbox, bot.domain)
# The sender's ledger claims and settles parts for as long as the sender runs, reading
# the time at each.
RUNS_OVER_TIME = {"bot.outbox.ledger"}
CLOCKS = (Clock, SystemClock, ManualClock, OffsetClock)


def _modules() -> Iterator[ModuleType]:
    for package in INSTANT_PACKAGES:
        for found in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if found.name not in RUNS_OVER_TIME:
                yield importlib.import_module(found.name)


def _functions(module: ModuleType) -> Iterator[tuple[str, FunctionType]]:
    """Every function and method defined in the module, private ones included."""
    for value in vars(module).values():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value):
            yield f"{module.__name__}.{value.__qualname__}", value
        elif inspect.isclass(value):
            for member in vars(value).values():
                if inspect.isfunction(member):
                    yield f"{module.__name__}.{member.__qualname__}", member


def _takes_a_clock(function: FunctionType) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if name == "clock" or "Clock" in str(parameter.annotation)
    ]


def test_the_walk_finds_the_services() -> None:
    from bot.services.erasure import erase_member

    names = {name for module in _modules() for name, _ in _functions(module)}
    assert "bot.services.erasure.erase_member" in names
    assert "bot.services.erasure._end_pairs" in names  # private helpers too
    assert "bot.scheduling.cadence.Cadence.cycle_at" in names  # and methods
    assert _takes_a_clock(erase_member) == []


def test_no_service_takes_a_clock() -> None:
    offenders = [
        f"{name}({', '.join(parameters)})"
        for module in _modules()
        for name, function in _functions(module)
        if (parameters := _takes_a_clock(function))
    ]
    assert offenders == [], "take `now: datetime` instead of a clock"


def test_no_service_holds_a_clock() -> None:
    holders = [
        f"{module.__name__}.{name}"
        for module in _modules()
        for name, value in vars(module).items()
        if any(value is kind for kind in CLOCKS)
    ]
    assert holders == [], "the caller reads the clock and passes `now`"


def test_the_check_sees_a_clock() -> None:
    def with_a_clock(*, clock: Clock) -> None: ...

    def annotated(*, moment: "ManualClock") -> None: ...

    assert _takes_a_clock(with_a_clock) == ["clock"]
    assert _takes_a_clock(annotated) == ["moment"]
