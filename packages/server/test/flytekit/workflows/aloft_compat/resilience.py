"""Retries, timeouts, caching, recovery and gates: the behaviours FlyteRemote checks beyond a plain run."""
import os
import time
import typing
from datetime import timedelta

from flytekit import approve, sleep, task, wait_for_input, workflow
from flytekit.exceptions.user import FlyteRecoverableException


@task(retries=2)
def flaky() -> int:
    """Fails on attempt 0 with a recoverable error; the retry returns its attempt number."""
    attempt = int(os.environ.get("FLYTE_ATTEMPT_NUMBER", "0"))
    if attempt == 0:
        raise FlyteRecoverableException("first attempt fails on purpose")
    return attempt


@workflow
def retried() -> int:
    return flaky()


@task(timeout=timedelta(seconds=1))
def overslept(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


@workflow
def timed_out(seconds: int = 30) -> int:
    return overslept(seconds=seconds)


def _mark(path: str, line: str) -> None:
    with open(path, "a") as f:
        f.write(line + "\n")


@task(cache=True, cache_version="1")
def cached_square(x: int, marker: str) -> int:
    _mark(marker, f"cached_square {x}")
    return x * x


@workflow
def cached(x: int, marker: str) -> int:
    return cached_square(x=x, marker=marker)


@task(cache=True, cache_version="1", cache_serialize=True)
def serialized_square(x: int, marker: str) -> int:
    _mark(marker, f"serialized_square {x}")
    time.sleep(2)
    return x * x


@workflow
def cache_serialized(x: int, marker: str) -> int:
    return serialized_square(x=x, marker=marker)


@task
def first_step(x: int, marker: str) -> int:
    _mark(marker, "first_step")
    return x + 1


@task
def second_step(y: int, poison: str) -> int:
    if os.path.exists(poison):
        raise ValueError(f"{poison} exists")
    return y * 10


@workflow
def recoverable(x: int, marker: str, poison: str) -> int:
    return second_step(y=first_step(x=x, marker=marker), poison=poison)


@task
def cube_it(x: int) -> int:
    return x * x * x


@task
def combine(x: int, extra: int, note: str) -> str:
    return f"{x}+{extra}:{note}"


@workflow
def gated(x: int = 3) -> str:
    y = cube_it(x=x)
    approved = approve(y, "approve-y", timeout=timedelta(minutes=5))
    extra = wait_for_input("extra", timeout=timedelta(minutes=5), expected_type=int)
    note = wait_for_input("note", timeout=timedelta(minutes=5), expected_type=str)
    nap = sleep(timedelta(seconds=1))
    out = combine(x=approved, extra=extra, note=note)
    nap >> out
    return out
