"""Guided demos: a scripted flow, run step by step with a pause between calls.

A demo is a YAML file, like a scenario::

    name: acme-token-expiry
    title: "Acme: an access token expires"
    vendor: acme
    pause: 1.5                      # seconds between steps (the CLI's --pause overrides)
    steps:
      - name: login                 # what a later {ref:login...} points at
        say: Log in with the app's credentials
        call: POST /oauth/token     # below the vendor's mount, as in Vendor.examples
        headers: {Content-Type: application/json}
        body: {clientId: "{login:clientId}"}
        expect: 200                 # the run stops, saying so, when the answer differs
      - say: 16 minutes pass
        clock: PT16M                # the virtual clock moves (POST /__admin/clock)

Strings may hold the placeholders of the golden snapshots (``{auth}``, ``{login:key}``,
``{ref:step.dotted.path}``: ``mockserver/snapshots.py``).  Every call carries the demo's
own ``X-Mock-Session`` (fresh at each run), so its flow is the dashboard's flow view of
that session.  The runner talks HTTP to a server (``mockserver demo NAME``, or the
dashboard's button: the server then calls itself over loopback), so what the audience
sees is exactly what a client would get.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .fixtures import FixtureError, parse_yaml, validated
from .live import ErrorNames
from .validation import parse_duration

DEMO_SUFFIXES = (".yaml", ".yml")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_REF = re.compile(r"\{ref:([^.{}]+)")
MAX_PAUSE = 60.0


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    say: str = Field(min_length=1, max_length=500)
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    call: str | None = None  # "METHOD /path"
    clock: str | None = None  # an ISO-8601 duration the virtual clock moves by
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    expect: int | None = Field(default=None, ge=100, le=599)

    @field_validator("call")
    @classmethod
    def _call(cls, value: str | None) -> str | None:
        if value is None:
            return None
        method, _, path = value.partition(" ")
        if method not in _METHODS or not path.startswith("/") or " " in path.strip():
            raise ValueError(f"call must be 'METHOD /path' with METHOD one of {', '.join(_METHODS)}, got {value!r}")
        return f"{method} {path.strip()}"

    @field_validator("clock")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)  # ValueError: pydantic names the field
        return value

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if (self.call is None) == (self.clock is None):
            raise ValueError("a step has exactly one of 'call' (METHOD /path) or 'clock' (a duration such as PT16M)")
        if self.clock is not None and (self.headers or self.query or self.body is not None or self.expect is not None):
            raise ValueError("a clock step takes no headers, query, body or expect")
        return self


class Demo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str = Field(min_length=1, max_length=200)
    vendor: str
    description: str = ""
    pause: float = Field(default=1.5, ge=0, le=MAX_PAUSE)
    steps: list[Step] = Field(min_length=1, max_length=100)

    @property
    def session(self) -> str:
        return f"demo-{self.name}"


def _step_of(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        rest = ".".join(map(str, loc[2:]))
        return f"step {loc[1] + 1}" + (f" ({rest})" if rest else "")
    return ".".join(map(str, loc)) or "the file"


def parse_demo(text: str, source: str, vendors: tuple[str, ...]) -> Demo:
    """A demo from YAML text; ``FixtureError`` with ONE line naming ``source`` and the step otherwise."""
    data, node = parse_yaml(text, source)  # one line naming the file and line when it is not YAML
    if not isinstance(data, dict):
        raise FixtureError(f"{source}: a demo is a mapping with name, title, vendor and steps")

    def explain(exc: ValidationError) -> str:
        # The first problem only, on one line: the file, its line, the step and what is wrong.
        first = exc.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{source}{node.line(loc)}: {_step_of(loc)}: {message}"

    demo = validated(Demo, data, explain)
    if demo.vendor not in vendors:
        raise FixtureError(f"{source}: vendor: no vendor {demo.vendor!r}; known: {', '.join(vendors)}")
    seen: set[str] = set()
    for number, step in enumerate(demo.steps, 1):
        text_of = repr((step.call, step.headers, step.query, step.body))
        for ref in _REF.findall(text_of):
            if ref not in seen:
                raise FixtureError(f"{source}: step {number}: {{ref:{ref}...}} names no earlier step (earlier: {', '.join(sorted(seen)) or 'none'})")
        if step.name is not None:
            if step.name in seen:
                raise FixtureError(f"{source}: step {number}: the name {step.name!r} is used twice")
            seen.add(step.name)
    return demo


def load_demos(directory: Path, vendors: tuple[str, ...]) -> dict[str, Demo]:
    """Every demo file of ``directory`` by name; the first bad one is a ``FixtureError``."""
    found: dict[str, Demo] = {}
    if not directory.is_dir():
        return found
    for path in sorted(p for p in directory.iterdir() if p.suffix in DEMO_SUFFIXES):
        demo = parse_demo(path.read_text(encoding="utf-8"), str(path), vendors)
        if demo.name in found:
            raise FixtureError(f"{path}: demo {demo.name!r} is also defined in another file")
        found[demo.name] = demo
    return found


# ------------------------------------------------------------------ running
@dataclass
class StepResult:
    number: int
    say: str
    line: str  # "POST /acme/users -> 401 1003 TOKEN_EXPIRED (12 ms)" or "clock +PT16M -> 2026-..."
    ok: bool


Report = Callable[[StepResult], Awaitable[None] | None]


async def run_demo(
    demo: Demo, client: httpx.AsyncClient, admin_headers: dict[str, str], names: ErrorNames | None = None,
    pause: float | None = None, report: Report | None = None,
) -> list[StepResult]:
    """Run ``demo`` against the server ``client`` points at; stops at the first step whose answer is not its ``expect``."""
    from ..snapshots import ExampleError, Placeholders

    wait = demo.pause if pause is None else pause
    admin = {**admin_headers, "content-type": "application/json"}
    session = demo.session
    reply = await client.post("/__admin/reset", params={"session": session}, headers=admin)
    reply.raise_for_status()
    described = (await client.get("/__admin/vendors", headers=admin)).json()
    if demo.vendor not in described:
        raise FixtureError(f"demo {demo.name}: this server does not serve {demo.vendor!r}")
    # Mounted at /<vendor>, or at the root (serve --vendor): the base URL's path says which.
    base_path = httpx.URL(described[demo.vendor]["base_url"]).path
    mount = f"/{demo.vendor}" if base_path == f"/{demo.vendor}" or base_path.startswith(f"/{demo.vendor}/") else ""
    context = Placeholders(demo.vendor, described[demo.vendor])
    results: list[StepResult] = []
    for number, step in enumerate(demo.steps, 1):
        if number > 1 and wait:
            await asyncio.sleep(wait)
        if step.clock is not None:
            moved = await client.post("/__admin/clock", json={"advance": step.clock}, headers=admin)
            now = moved.json().get("now", "?")
            result = StepResult(number, step.say, f"clock +{step.clock} -> {now}", moved.status_code == 200)
        else:
            method, _, path = (step.call or "").partition(" ")
            try:
                path = str(context.resolve(path))
                headers = {**context.resolve_headers(step.headers), "X-Mock-Session": session}
                query = context.resolve_strings(step.query)
                body = context.resolve(step.body)
            except ExampleError as exc:
                result = StepResult(number, step.say, f"cannot build the call: {exc}", False)
                results.append(result)
                await _tell(report, result)
                break
            started = time.perf_counter()
            answer = await client.request(
                method, mount + path, params=query or None, headers=headers, json=body if body is not None else None,
            )
            took = (time.perf_counter() - started) * 1000
            try:
                decoded: Any = answer.json() if answer.content else None
            except ValueError:
                decoded = answer.text
            if step.name is not None:
                context.responses[step.name] = decoded
            named = names.name(demo.vendor, answer.status_code, decoded) if names is not None else None
            ok = step.expect is None or answer.status_code == step.expect
            line = f"{method} {mount}{path} -> {answer.status_code}{' ' + named if named else ''} ({took:.0f} ms)"
            if not ok:
                line += f"; expected {step.expect}"
            result = StepResult(number, step.say, line, ok)
        results.append(result)
        await _tell(report, result)
        if not result.ok:
            break
    return results


async def _tell(report: Report | None, result: StepResult) -> None:
    if report is None:
        return
    done = report(result)
    if done is not None:
        await done
