"""Plain tasks and a chain: primitives, a list, a dict and a dataclass through the wire, run on the host by pyflyte-execute."""
import time
import typing
from dataclasses import dataclass

from flytekit import task, workflow


@dataclass
class Point:
    x: int
    y: int


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def square(n: int) -> int:
    return n * n


@task
def describe(n: int, names: typing.List[str], weights: typing.Dict[str, float]) -> str:
    return f"{n}:{','.join(names)}:{sum(weights.values())}"


@task
def shift(p: Point, by: int) -> Point:
    return Point(x=p.x + by, y=p.y + by)


@task
def slow(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


@workflow
def chain(a: int = 3, b: int = 4) -> int:
    return square(n=add(a=a, b=b))


@workflow
def mixed(n: int = 2, names: typing.List[str] = ["x", "y"], weights: typing.Dict[str, float] = {"a": 1.5, "b": 2.0}) -> str:
    return describe(n=square(n=n), names=names, weights=weights)


@workflow
def points(p: Point = Point(x=1, y=2), by: int = 10) -> Point:
    return shift(p=p, by=by)


@workflow
def sleeper(seconds: int = 120) -> int:
    return slow(seconds=seconds)


@task
def boom(n: int) -> int:
    if n > 0:
        raise ValueError(f"boom with {n}")
    return n


@workflow
def fails(n: int = 7) -> int:
    return boom(n=n)
