"""What a coordinator can export: the kinds `frizon export --what` and /export offer.

Apart from bot/services/exports.py, which makes them, so that naming them costs no
database layer: the command line offers `--what` in every `frizon --help`."""

from enum import StrEnum


class What(StrEnum):
    PAIRS = "pairs"
    MEETINGS = "meetings"
    ENGAGEMENT = "engagement"
