"""A tiny workflow registered and run by the real flytekit against Aloft with auth on (auth-flytekit.e2e.test.ts)."""
from flytekit import task, workflow


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def wf(a: int, b: int) -> int:
    return add(a=add(a=a, b=b), b=b)
