"""Composition: @dynamic fan-out, a sub-workflow, and a launch-plan node (a workflow calling a LaunchPlan)."""
import typing

from flytekit import LaunchPlan, dynamic, task, workflow


@task
def cube(x: int) -> int:
    return x * x * x


@task
def add_all(xs: typing.List[int]) -> int:
    return sum(xs)


@dynamic
def fan_out(n: int) -> int:
    return add_all(xs=[cube(x=i) for i in range(1, n + 1)])


@workflow
def dynamic_fan_out(n: int = 4) -> int:
    return fan_out(n=n)


@workflow
def inner(x: int) -> int:
    return cube(x=x)


inner_lp = LaunchPlan.get_or_create(inner, name="aloft_compat.composition.inner_lp")


@workflow
def sub_and_launch_plan(x: int = 2, y: int = 3) -> typing.Tuple[int, int]:
    """The same inner workflow twice: inline as a sub-workflow, and as a child execution through its launch plan."""
    return inner(x=x), inner_lp(x=y)
