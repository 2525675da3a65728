"""FlyteFile and FlyteDirectory produced by one task and read by the next."""
import os

from flytekit import task, workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile


@task
def write_file(text: str) -> FlyteFile:
    path = os.path.join(_scratch(), "out.txt")
    with open(path, "w") as f:
        f.write(text)
    return FlyteFile(path)


@task
def read_file(f: FlyteFile) -> str:
    with open(f, "r") as fh:
        return fh.read()


@task
def write_dir(n: int) -> FlyteDirectory:
    d = os.path.join(_scratch(), "parts")
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open(os.path.join(d, f"part-{i}.txt"), "w") as fh:
            fh.write(str(i))
    return FlyteDirectory(d)


@task
def read_dir(d: FlyteDirectory) -> int:
    local = d.download()
    return sum(int(open(os.path.join(local, p)).read()) for p in sorted(os.listdir(local)))


def _scratch() -> str:
    from flytekit import current_context

    return current_context().working_directory


@workflow
def file_roundtrip(text: str) -> str:
    return read_file(f=write_file(text=text))


@workflow
def dir_roundtrip(n: int) -> int:
    return read_dir(d=write_dir(n=n))
