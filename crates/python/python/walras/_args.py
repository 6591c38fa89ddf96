"""Checking arguments before they reach the engine: a TypeError or ValueError naming the
argument, never a crash."""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Optional

import numpy as np

from walras.errors import ArgumentError


def real(name: str, value: Any) -> float:
    """A real number (NaN and infinities are left to the engine's range checks)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def finite(name: str, value: Any) -> float:
    """A finite real number."""
    v = real(name, value)
    if not math.isfinite(v):
        raise ArgumentError(f"{name} must be finite, got {v}", argument=name)
    return v


def count(name: str, value: Any, minimum: int = 0) -> int:
    """A whole number at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ArgumentError(f"{name} must be at least {minimum}, got {value}", argument=name)
    return int(value)


def text(name: str, value: Any) -> str:
    """A string."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    return value


def optional_text(name: str, value: Any) -> Optional[str]:
    """A string or None."""
    return None if value is None else text(name, value)


def path_or_text(name: str, value: Any) -> str:
    """A named set (string) or a file path (str or os.PathLike)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return text(name, value)


def vector(name: str, value: Any, allow_negative: bool = True) -> np.ndarray:
    """A one-dimensional float64 array of finite values, without a copy when ``value`` already
    is a contiguous float64 array (any other layout or dtype is converted once)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {e}") from None
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.dtype.kind == "b":
        raise TypeError(f"{name} must hold numbers, got booleans")
    if array.ndim != 1:
        raise ArgumentError(
            f"{name} must be one-dimensional, got shape {array.shape}", argument=name
        )
    array = np.ascontiguousarray(array, dtype=np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        i = int(np.argmax(bad))
        raise ArgumentError(
            f"{name}[{i}] = {array[i]} is not finite (NaN or infinite)", argument=name
        )
    if not allow_negative and (array < 0).any():
        i = int(np.argmax(array < 0))
        raise ArgumentError(f"{name}[{i}] = {array[i]} is negative", argument=name)
    return array
