"""Giving freed memory back to the operating system after a large one-off request.

CPython frees a big import's objects, but glibc's malloc keeps the freed pages in its heap for
reuse, so the process's RSS stays at its peak (issue 19.8: a 200k-row glossary import left the
API at 690 MB). `malloc_trim(0)` hands the free pages back. There is no library for this one
call; it is glibc-only, and elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

__all__ = ["release_freed_memory"]


def _malloc_trim() -> ctypes._NamedFuncPointer | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Collect garbage, then return free heap pages to the OS where the C library can."""
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
