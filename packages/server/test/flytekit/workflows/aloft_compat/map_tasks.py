"""Map tasks (ArrayNode): every element runs as its own sub-node; outputs come back as lists in input order."""
from functools import partial
from typing import List, Optional

from flytekit import LaunchPlan, map_task, task, workflow


@task
def square(x: int) -> int:
    return x * x


@task
def scale(x: int, factor: int) -> int:
    return x * factor


@task
def fragile(x: int) -> int:
    # Every multiple of 4 fails: a quarter of the elements, tolerated by min_success_ratio below.
    if x % 4 == 0:
        raise ValueError(f"{x} is a multiple of 4")
    return x + 1


@task
def total(xs: List[int]) -> int:
    return sum(xs)


@task
def count_present(xs: List[Optional[int]]) -> int:
    return len([x for x in xs if x is not None])


@task
def list_of(n: int) -> List[int]:
    return list(range(n))


@workflow
def squares(xs: List[int]) -> List[int]:
    return map_task(square)(x=xs)


@workflow
def squares_sum(n: int = 100) -> int:
    """A map task over range(n) whose gathered list feeds the next task."""
    return total(xs=map_task(square)(x=list_of(n=n)))


@workflow
def scaled(xs: List[int], factor: int) -> List[int]:
    """A bound (non-mapped) input: every element gets the same factor."""
    return map_task(partial(scale, factor=factor))(x=xs)


@workflow
def tolerant(xs: List[int]) -> List[Optional[int]]:
    return map_task(fragile, min_success_ratio=0.5, concurrency=4)(x=xs)


@workflow
def tolerant_count(xs: List[int]) -> int:
    return count_present(xs=map_task(fragile, min_success_ratio=0.5)(x=xs))


@workflow
def square_one(x: int) -> int:
    return square(x=x)


square_one_lp = LaunchPlan.get_or_create(square_one, name="aloft_compat.map_tasks.square_one_lp")


@workflow
def squares_by_launch_plan(xs: List[int]) -> List[int]:
    """map_task over a launch plan: an array node whose elements are child executions."""
    return map_task(square_one_lp)(x=xs)
