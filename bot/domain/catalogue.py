"""The reflection-prompt catalogue: one TOML file per prompt, validated when loaded.

Built-in prompts live in prompts/catalogue/<audience>/<key>.toml; a programme can add
or override prompts with a folder of the same layout (config `prompts.folder`).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, Template, TemplateError

from bot.texts.templates import DEFAULT_LOCALE, LOCALES
from prompts import TEMPLATE_ROOT

BUILT_IN = TEMPLATE_ROOT / "catalogue"
AUDIENCES = ("student", "mentor")
THEMES = ("space", "future", "transition")
COMPETENCES = ("reflective", "emotional", "belonging")
TIMINGS = ("any", "programme_start", "rotation_start", "before_exams", "programme_end")
EXAMPLE_VARIABLES = {"name": "Ana"}


class CatalogueError(Exception):
    """A prompt file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class CataloguePrompt:
    key: str
    audience: str
    theme: str
    competence: str
    timing: str
    texts: Mapping[str, str]


class Catalogue:
    def __init__(self, prompts: Sequence[CataloguePrompt]) -> None:
        self._prompts = {(p.audience, p.key): p for p in prompts}
        self._env = Environment(undefined=StrictUndefined, autoescape=True)
        self._compiled: dict[tuple[str, str, str], Template] = {}

    @classmethod
    def load(cls, extra: Path | None = None) -> Catalogue:
        """Load the built-in prompts, then the extra folder's, which override by key."""
        found: dict[tuple[str, str], CataloguePrompt] = {}
        for root in (BUILT_IN, extra):
            if root is None:
                continue
            if not root.is_dir():
                raise CatalogueError(f"prompt folder {root} does not exist")
            for path in sorted(root.glob("*/*.toml")):
                prompt = _read(path)
                found[(prompt.audience, prompt.key)] = prompt
        catalogue = cls(list(found.values()))
        for prompt in found.values():
            catalogue._check_renders(prompt)
        return catalogue

    def prompts(self, audience: str, timing: str | None = None) -> list[CataloguePrompt]:
        return sorted(
            (
                p
                for p in self._prompts.values()
                if p.audience == audience and (timing is None or p.timing == timing)
            ),
            key=lambda p: p.key,
        )

    def get(self, audience: str, key: str) -> CataloguePrompt | None:
        return self._prompts.get((audience, key))

    def render(self, prompt: CataloguePrompt, locale: str, **variables: Any) -> str:
        return self._template(prompt, locale).render(**variables).strip()

    def _template(self, prompt: CataloguePrompt, locale: str) -> Template:
        """Compiled once per prompt and locale: compiling is the costly part."""
        key = (prompt.audience, prompt.key, locale)
        if key not in self._compiled:
            text = prompt.texts.get(locale, prompt.texts[DEFAULT_LOCALE])
            self._compiled[key] = self._env.from_string(text)
        return self._compiled[key]

    def _check_renders(self, prompt: CataloguePrompt) -> None:
        for locale in LOCALES:
            try:
                self.render(prompt, locale, **EXAMPLE_VARIABLES)
            except TemplateError as error:
                raise CatalogueError(
                    f"{prompt.audience}/{prompt.key} ({locale}): {error}"
                ) from None


def _read(path: Path) -> CataloguePrompt:
    where = f"{path.parent.name}/{path.name}"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CatalogueError(f"{where}: not valid TOML: {error}") from None
    audience = path.parent.name
    problems = []
    if audience not in AUDIENCES:
        problems.append(f"folder must be one of {', '.join(AUDIENCES)}")
    if set(data) != {"theme", "competence", "timing", "text"}:
        problems.append("needs exactly theme, competence, timing and [text]")
    for field, allowed in (("theme", THEMES), ("competence", COMPETENCES), ("timing", TIMINGS)):
        if data.get(field) not in allowed:
            problems.append(f"{field} must be one of {', '.join(allowed)}")
    texts = data.get("text")
    if not isinstance(texts, dict) or any(
        not isinstance(texts.get(locale), str) or not texts[locale].strip() for locale in LOCALES
    ):
        problems.append(f"[text] needs a text for every locale ({', '.join(LOCALES)})")
    if problems:
        raise CatalogueError(f"{where}: {'; '.join(problems)}")
    localised: dict[str, str] = {locale: data["text"][locale] for locale in LOCALES}
    return CataloguePrompt(
        path.stem, audience, data["theme"], data["competence"], data["timing"], localised
    )


def next_in_rotation(
    pool: Sequence[CataloguePrompt], history: Sequence[str], *, seed: str = ""
) -> CataloguePrompt:
    """The next prompt for someone who has had `history` (keys, oldest first).

    No prompt repeats until every prompt in the pool has been used; within a round
    the theme changes from one prompt to the next where it can, the least-used theme
    comes first, and `seed` (e.g. the member) gives each person their own order.
    """
    if not pool:
        raise CatalogueError("there are no prompts to choose from")
    keys = {p.key for p in pool}
    used: set[str] = set()
    last_theme = None
    themes = {p.key: p.theme for p in pool}
    for key in (k for k in history if k in keys):
        if len(used) == len(keys):
            used = set()
        used.add(key)
        last_theme = themes[key]
    if len(used) == len(keys):
        used = set()
    round_themes = Counter(themes[key] for key in used)
    candidates = [p for p in pool if p.key not in used]

    def preference(prompt: CataloguePrompt) -> tuple[bool, int, str]:
        shuffle = hashlib.sha256(f"{seed}:{prompt.key}".encode()).hexdigest()
        return (prompt.theme == last_theme, round_themes[prompt.theme], shuffle)

    return min(candidates, key=preference)
