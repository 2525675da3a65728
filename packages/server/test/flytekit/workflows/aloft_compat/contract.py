"""The task contract as flytekit sees it on the local runtime: execution ids, paths, checkpoints across retries."""
import os
import typing

from flytekit import current_context, task, workflow
from flytekit.exceptions.user import FlyteRecoverableException


@task
def whoami() -> typing.Dict[str, str]:
    ctx = current_context()
    return {
        "execution_id": ctx.execution_id.name,
        "execution_project": ctx.execution_id.project,
        "execution_domain": ctx.execution_id.domain,
        "task_name": ctx.task_id.name if ctx.task_id else "",
        "task_version": ctx.task_id.version if ctx.task_id else "",
        "workflow": os.environ.get("FLYTE_INTERNAL_EXECUTION_WORKFLOW", ""),
        "attempt": os.environ.get("FLYTE_ATTEMPT_NUMBER", ""),
        "raw_output_prefix": ctx.raw_output_prefix,
        "working_directory": ctx.working_directory,
    }


@task(retries=2)
def resumes(n: int) -> int:
    """Counts to n, checkpointing after every step; the first two attempts fail half-way and the last resumes."""
    cp = current_context().checkpoint
    prev = cp.read()
    start = int(prev.decode()) if prev else 0
    attempt = int(os.environ.get("FLYTE_ATTEMPT_NUMBER", "0"))
    for i in range(start, n):
        cp.write(str(i + 1).encode())
        if attempt < 2 and i + 1 == start + 2:
            raise FlyteRecoverableException(f"attempt {attempt} stops at {i + 1}")
    return start


@workflow
def task_contract() -> typing.Dict[str, str]:
    return whoami()


@workflow
def checkpoint_resume(n: int = 10) -> int:
    return resumes(n=n)


@task(enable_deck=True)
def with_deck(text: str) -> str:
    import flytekit

    flytekit.Deck("notes", f"<p>{text}</p>")
    return text


@workflow
def deck_written(text: str = "deck") -> str:
    return with_deck(text=text)
