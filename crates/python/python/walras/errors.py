"""Exceptions raised by walras.

Every error of the engine is a :class:`WalrasError`. Subclasses carry what went wrong:

* :class:`ArgumentError` (also a :class:`ValueError`): an argument out of range, with the
  argument's name in ``argument``;
* :class:`DataError`: a bad input file, with ``path``, ``row`` (1-based data row),
  ``column`` and ``value`` where known;
* :class:`ConvergenceError`: a solve that did not reach an equilibrium or optimum, with the
  final ``residual`` and the ``iterations`` run.

A cancelled run (Ctrl-C) raises :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["WalrasError", "ArgumentError", "DataError", "ConvergenceError"]


class WalrasError(Exception):
    """An error of the Walras engine; ``str(err)`` holds the whole cause chain."""

    def __init__(self, message: str, **attrs: object) -> None:
        super().__init__(message)
        self.message = message
        for key, value in attrs.items():
            setattr(self, key, value)


class ArgumentError(WalrasError, ValueError):
    """An argument out of its allowed range; ``argument`` names it."""

    argument: Optional[str] = None


class DataError(WalrasError):
    """A bad input file; ``path``, ``row``, ``column`` and ``value`` where known."""

    path: Optional[str] = None
    row: Optional[int] = None
    column: Optional[str] = None
    value: Optional[str] = None


class ConvergenceError(WalrasError):
    """A solve that did not converge; ``residual`` and ``iterations`` say how far it got."""

    residual: Optional[float] = None
    iterations: Optional[int] = None
