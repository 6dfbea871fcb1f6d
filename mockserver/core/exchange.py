"""What a transport hands the pipeline (``Request``) and what it gets back (``Answer``, or ``Pending``: an
awaitable of one), core.serving's ``VendorApp.answer``."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from .framing import Pairs
from .lint import LintWarning


@dataclass(slots=True)
class Request:
    """One request as every transport hands it to the pipeline."""

    method: str
    path: str  # below the vendor's mount ("/" at least)
    raw_query: bytes
    headers: dict[str, str]  # lower-cased names
    body: bytes  # whole; b"" when refused (too_large)
    session: str = ""  # X-Mock-Session: the test session, "" for none
    too_large: str | None = None  # why the body was refused (over max_body); None: it was not
    started: float = 0.0  # time.perf_counter() when it arrived (the journal's latency)
    warnings: tuple[LintWarning, ...] = ()  # the contract lint's findings (core.lint)


@dataclass(slots=True)
class Answer:
    """What the pipeline answers (already journalled): the response, and the fault to act out."""

    status: int
    payload: bytes  # the encoded body
    extra: Pairs = ()  # headers besides content-type and content-length, checked (core.framing)
    fault: str | None = None  # a scenario's socket-level fault (core.faults), acted out by the transport
    fault_params: Mapping[str, Any] | None = None


Pending = Coroutine[Any, Any, Answer]
