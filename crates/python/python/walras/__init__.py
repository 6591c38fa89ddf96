"""Walras: general-equilibrium policy optimisation from Python.

The same engine as the ``walras`` command line, with results as Python objects: numpy arrays
labelled by bracket, country or sector, ``.to_dict()`` equal to the command line's
``--format json`` record, ``.write(dir)`` for the command line's ``--out`` folder, and
``.to_pandas()`` / ``.to_polars()`` when those libraries are installed.

Modules: :mod:`walras.tax` (optimal income taxes), :mod:`walras.trade` (trade and
industrial policy), :mod:`walras.automation` (data-driven automation), :mod:`walras.gtb` (the
AI Economist's Gather-Trade-Build world), :mod:`walras.sweep` (parameter sweeps, here or on
Slurm). Errors:
:mod:`walras.errors`.

>>> import walras
>>> rates = walras.tax.saez_rates([20_000.0, 45_000.0, 90_000.0, 250_000.0] * 50)
>>> len(rates.rates)
7
"""

from walras._walras import __version__
from walras import automation, errors, gtb, sweep, tax, trade
from walras.errors import ArgumentError, ConvergenceError, DataError, WalrasError

__all__ = [
    "__version__",
    "automation",
    "errors",
    "gtb",
    "sweep",
    "tax",
    "trade",
    "WalrasError",
    "ArgumentError",
    "DataError",
    "ConvergenceError",
]
