"""Whether a replication runs its kernels compiled (numba) or interpreted, and the interpreted twin of each.

Compiling the engine's kernels takes tens of seconds on a fresh machine (numba then caches them on disk;
docs/performance.md gives the time of each). A small round never earns that back: the quickstart's 30,000
residents take a fraction of a second through the same kernels run by the Python interpreter, and its
logistics about as long in SimPy. So a round compiles only from `COMPILED_FROM` residents; below, every
kernel runs as its own Python source (numba's `py_func`, with the kernels it calls swapped for their
twins too) and the logistics in SimPy. Both give the same numbers, bit for bit (tests/engine/test_kernels.py;
the compiled loop against SimPy: tests/engine/test_loop.py). `NATSIM_COMPILED=always|never` overrides the
choice (tests, benchmarks).

`on_compiling(say)` tells a command's user, once, when numba starts compiling.
"""

from __future__ import annotations

import os
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from numba.core import event
from numba.core.dispatcher import Dispatcher

COMPILED_FROM = 200_000  # residents in a replication, from which its kernels are compiled
_compiled: ContextVar[bool] = ContextVar("compiled", default=True)


def pays(residents: int) -> bool:
    """Whether a replication of this many residents runs compiled (see the module's docstring)."""
    forced = os.environ.get("NATSIM_COMPILED", "").lower()
    if forced in ("always", "never"):
        return forced == "always"
    return residents >= COMPILED_FROM


@contextmanager
def compiled(on: bool) -> Iterator[None]:
    """Kernels called inside run compiled (`on`) or interpreted."""
    token = _compiled.set(on)
    try:
        yield
    finally:
        _compiled.reset(token)


def is_compiled() -> bool:
    return _compiled.get()


class Kernel:
    """A compiled kernel that follows the mode when called: `current(kernel.compiled)` (one rule for both)."""

    __slots__ = ("compiled",)

    def __init__(self, dispatcher: Dispatcher):
        self.compiled = dispatcher

    def __call__(self, *args):
        return current(self.compiled)(*args)


def current(dispatcher: Dispatcher) -> Callable:
    """The compiled function itself, or its interpreted twin, as the current mode asks: how the Python
    drivers (the SimPy model, the forecast's state at TIME) call the shared compiled rules of
    `engine/rules.py` and `engine/servers.py`, so that a small round compiles none of them while the
    compiled loop calls the very same functions compiled."""
    return dispatcher if _compiled.get() else interpreted(dispatcher)


def kernel(dispatcher: Dispatcher) -> Kernel:
    """Wrap an `@njit` function so that it follows the mode (use as the outermost decorator)."""
    return Kernel(dispatcher)


_twins: dict[int, types.FunctionType] = {}


def interpreted(dispatcher: Dispatcher) -> types.FunctionType:
    """The Python source of `dispatcher`, with every compiled function it calls by a global name replaced by
    its own interpreted twin: calling it compiles nothing."""
    key = id(dispatcher)
    if key in _twins:
        return _twins[key]
    f = dispatcher.py_func
    scope = dict(f.__globals__)
    twin = types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
    _twins[key] = twin  # before the globals: a kernel may call itself
    for name in f.__code__.co_names:
        value = scope.get(name)
        if isinstance(value, Kernel):
            value = value.compiled
        if isinstance(value, Dispatcher):
            scope[name] = interpreted(value)
    return twin


class _Announce(event.Listener):
    def __init__(self, say: Callable[[], None]):
        self.say, self.said, self.lock = say, False, threading.Lock()

    def on_start(self, ev: event.Event) -> None:
        with self.lock:
            if not self.said:
                self.said = True
                self.say()

    def on_end(self, ev: event.Event) -> None:
        pass


def on_compiling(say: Callable[[], None]) -> None:
    """Call `say()` once, when numba first compiles something in this process (a cache hit is no
    compilation)."""
    event.register("numba:compile", _Announce(say))
