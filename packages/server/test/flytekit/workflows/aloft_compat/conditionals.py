"""A conditional whose chosen branch reads the output of another top-level node (flytekit's conditional_workflow.wf)."""
from flytekit import conditional, task, workflow


@task
def double(a: int) -> int:
    return a * 2


@task
def add_one(a: int) -> int:
    return a + 1


@task
def negate(a: int) -> int:
    return -a


@workflow
def branch_reads_sibling(a: int) -> int:
    d = double(a=a)
    # The condition reads only the workflow input; the chosen node reads `d`, the output of a top-level sibling.
    return conditional("pick").if_(a > 3).then(add_one(a=d)).else_().then(negate(a=d))
