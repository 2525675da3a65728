"""Richer types through the wire: a nested dataclass, an enum, Optional, Union, Dict[str, int], List[List[int]]."""
import enum
import typing
from dataclasses import dataclass, field

from flytekit import task, workflow


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Item:
    name: str
    qty: int
    tags: typing.List[str] = field(default_factory=list)
    size: typing.Optional[float] = None


@dataclass
class Order:
    item: Item
    counts: typing.Dict[str, int]


@task
def restock(order: Order, by: int) -> Order:
    item = Item(name=order.item.name, qty=order.item.qty + by, tags=order.item.tags + ["restocked"], size=order.item.size)
    return Order(item=item, counts={k: v + by for k, v in order.counts.items()})


@task
def shapes(
    color: Color,
    maybe: typing.Optional[int],
    either: typing.Union[int, str],
    counts: typing.Dict[str, int],
    grid: typing.List[typing.List[int]],
) -> typing.Tuple[Color, typing.Optional[int], typing.Union[int, str], typing.Dict[str, int], typing.List[typing.List[int]]]:
    flipped = Color.GREEN if color == Color.RED else Color.RED
    doubled = None if maybe is None else maybe * 2
    other: typing.Union[int, str] = either * 2 if isinstance(either, int) else either.upper()
    return flipped, doubled, other, {k: v * 10 for k, v in counts.items()}, [list(reversed(row)) for row in grid]


@workflow
def dataclasses_nested(
    order: Order = Order(item=Item(name="bolt", qty=1, tags=["m3"], size=2.5), counts={"a": 1}), by: int = 2
) -> Order:
    return restock(order=order, by=by)


@workflow
def typed_shapes(
    color: Color = Color.RED,
    maybe: typing.Optional[int] = 4,
    either: typing.Union[int, str] = 21,
    counts: typing.Dict[str, int] = {"a": 1, "b": 2},
    grid: typing.List[typing.List[int]] = [[1, 2], [3]],
) -> typing.Tuple[Color, typing.Optional[int], typing.Union[int, str], typing.Dict[str, int], typing.List[typing.List[int]]]:
    return shapes(color=color, maybe=maybe, either=either, counts=counts, grid=grid)
