"""A training run's metrics in bounded memory: the latest steps exact, older ones thinned.

A run that plays for hours must not grow without end (~400 bytes a step), yet its charts want the
whole curve and the latest steps one by one. ``History`` keeps at most ``capacity`` entries: the
newest ``exact`` ones all, and of the older ones every ``stride``-th, where ``stride`` doubles each
time the older part fills up (so it always spans the whole run evenly, and thinning costs O(1)
per step, amortized). It reads like a list of what it kept, oldest first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class History(Sequence[T], Generic[T]):
    def __init__(self, capacity: int, exact: int | None = None, entries: Iterable[T] = ()):
        if capacity < 2:
            raise ValueError(f"capacity: must be at least 2, not {capacity}")
        self.capacity = capacity
        self.exact = max(1, min(capacity - 1, exact if exact is not None else capacity // 4))
        self._recent: deque[T] = deque()
        self._older: list[T] = []  # entries whose demotion index is a multiple of stride
        self._demoted = 0  # entries that have left the exact part
        self.stride = 1
        for entry in entries:
            self.append(entry)

    @classmethod
    def from_parts(
        cls, capacity: int, exact: int, stride: int, demoted: int, older: list[T], recent: list[T]
    ) -> History[T]:
        """A history exactly as ``parts()`` (and its counters) described it (checkpoints)."""
        history = cls(capacity, exact)
        history.stride, history._demoted = stride, demoted
        history._older, history._recent = list(older), deque(recent)
        return history

    def parts(self) -> tuple[list[T], list[T]]:
        """The thinned older entries and the exact latest ones."""
        return list(self._older), list(self._recent)

    @property
    def demoted(self) -> int:
        """Entries that have left the exact part so far (kept or not)."""
        return self._demoted

    @property
    def older_capacity(self) -> int:
        return self.capacity - self.exact

    def append(self, entry: T) -> None:
        self._recent.append(entry)
        if len(self._recent) > self.exact:
            demoted = self._recent.popleft()
            if self._demoted % self.stride == 0:
                self._older.append(demoted)
                if len(self._older) > self.older_capacity:
                    self._older = self._older[::2]  # the kept ones are the multiples of 2 * stride
                    self.stride *= 2
            self._demoted += 1

    def replace_last(self, entry: T) -> None:
        """Put ``entry`` in the newest one's place (the same step measured again, e.g. after an edit)."""
        if not self._recent:
            raise IndexError("replace_last of an empty history")
        self._recent[-1] = entry

    def extend(self, entries: Iterable[T]) -> None:
        for entry in entries:
            self.append(entry)

    def clear(self) -> None:
        self._recent.clear()
        self._older = []
        self._demoted = 0
        self.stride = 1

    def __len__(self) -> int:
        return len(self._older) + len(self._recent)

    def __iter__(self) -> Iterator[T]:
        yield from self._older
        yield from self._recent

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("history index out of range")
        older = len(self._older)
        return self._older[index] if index < older else self._recent[index - older]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (History, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History({len(self)} kept, stride {self.stride}, capacity {self.capacity})"
