"""What the computations return: a result object over the engine's record."""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np

Progress = Union[None, bool, Callable[[str], Any]]


def progress_callback(progress: Progress, label: str) -> Optional[Callable[[str], Any]]:
    """The callback for ``progress``: a callable as given; True shows a tqdm bar when tqdm is
    installed (else lines on stderr); None or False shows nothing."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return lambda line: print(f"{label}: {line}", file=sys.stderr)
    bar = tqdm(desc=label, bar_format="{desc}: {postfix} [{elapsed}]")
    return lambda line: bar.set_postfix_str(line)


class Result:
    """A computed result.

    ``to_dict()`` is the command line's ``--format json`` record; ``write(dir)`` writes the
    command line's ``--out`` folder (JSON, CSV tables, SVG and PNG figures, manifest);
    ``warnings`` lists what the engine warned about (also issued as Python warnings).
    """

    def __init__(self, run: Any) -> None:
        self._run = run
        self._record: Dict[str, Any] = json.loads(run.json())
        self.warnings: List[str] = list(run.warnings())
        for w in self.warnings:
            warnings.warn(w, stacklevel=4)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON record, as ``walras ... --format json`` prints it."""
        return json.loads(json.dumps(self._record))

    def to_json(self) -> str:
        """The JSON record as text."""
        return self._run.json()

    def write(self, dir: Union[str, "os.PathLike[str]"], overwrite: bool = False) -> None:
        """Write the output folder ``dir`` (replaced whole only with ``overwrite``)."""
        self._run.write(os.fspath(dir), overwrite)

    def _columns(self) -> Dict[str, Any]:
        """The columns of the result's main table (each result class names its own)."""
        raise NotImplementedError

    def to_pandas(self) -> Any:
        """The result's main table (the class docstring says which) as a pandas DataFrame."""
        return optional_frame(self._columns(), "pandas")

    def to_polars(self) -> Any:
        """The result's main table as a polars DataFrame."""
        return optional_frame(self._columns(), "polars")

    def to_latex(self) -> str:
        """The result's tables as booktabs LaTeX (``\\usepackage{booktabs}``): captioned,
        labelled, units in the headers, names escaped; the tables :meth:`write` puts in
        its ``.tex`` files. Tables too long for a page are left out."""
        return "\n".join(text for _, text in self._run.latex())

    def figure(self, stem: str) -> Any:
        """The figure ``stem`` (one of :attr:`figures`) as the command line draws it: an
        ``IPython.display.SVG`` when IPython is installed (shown inline in a notebook), else
        the SVG text."""
        svg = self._run.figure_svg(stem)
        try:
            from IPython.display import SVG
        except ImportError:
            return svg
        return SVG(svg)

    def figure_data(self, stem: str) -> Dict[str, Any]:
        """The plain data behind the figure ``stem``, to redraw it with matplotlib or pgfplots.

        A dict with ``kind`` (``"line"``, ``"scatter"``, ``"bar"`` or ``"heatmap"``),
        ``title``, ``x_label``, ``y_label`` (with units), ``log_x``, ``log_y``, and:

        - lines and points: ``series``, a list of dicts with ``label`` and numpy arrays ``x``
          and ``y`` (plus ``labels``, one name per point, where the figure names its points);
        - bars: ``categories`` and ``groups``, a list of dicts with ``label`` and ``values``
          (one per category);
        - heatmap: ``x_labels``, ``y_labels``, ``value_label`` and ``values``, a 2-D array of
          rows (bottom to top) by columns (NaN for a missing cell).
        """
        return self._run.figure_data(stem)

    @property
    def figures(self) -> Dict[str, str]:
        """Figure titles by file stem (drawn by :meth:`write`)."""
        return dict(self._run.figure_titles())

    @property
    def tables(self) -> List[str]:
        """File names of the tables :meth:`write` produces."""
        return list(self._run.table_names())


def text_table(headers: List[str], rows: List[List[str]]) -> str:
    """Aligned columns, numbers right-aligned."""
    cells = [headers] + rows
    widths = [max(len(r[j]) for r in cells) for j in range(len(headers))]

    def is_number(s: str) -> bool:
        try:
            float(s.rstrip("%"))
            return True
        except ValueError:
            return False

    def line(r: List[str]) -> str:
        return "  ".join(
            c.rjust(w) if is_number(c) else c.ljust(w) for c, w in zip(r, widths)
        ).rstrip()

    rule = ["-" * w for w in widths]
    return "\n".join([line(headers), line(rule)] + [line(r) for r in rows])


def fmt(v: Optional[float], digits: int = 4) -> str:
    """A number for a repr: blank for None, else ``digits`` significant digits."""
    if v is None:
        return "null"
    return f"{v:,.{digits}g}" if abs(v) < 1e15 else f"{v:.{digits}e}"


def optional_frame(columns: Dict[str, Any], library: str) -> Any:
    """A pandas or polars data frame of ``columns``; ImportError says how to install it."""
    if library == "pandas":
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("to_pandas() needs pandas: pip install pandas") from e
        return pd.DataFrame(columns)
    try:
        import polars as pl
    except ImportError as e:
        raise ImportError("to_polars() needs polars: pip install polars") from e
    return pl.DataFrame(columns)


class Bands(Result):
    """What every uncertainty record holds: ``policies`` and ``welfare`` (records with the
    value, the delta-method band ``delta_p05``/``delta_p95`` and the re-solved draws'
    ``monte_carlo`` quantiles), ``draw_records`` (prediction against re-solve per draw),
    ``converged_draws`` and ``failed_draws``."""

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        r = self._record
        self.policies: List[Dict[str, Any]] = r["policies"]
        self.welfare: List[Dict[str, Any]] = r["welfare"]
        self.draw_records: List[Dict[str, Any]] = r["draw_records"]
        self.converged_draws: int = int(r["converged_draws"])
        self.failed_draws: int = int(r["failed_draws"])


class PolicyBands(Bands):
    """Bands by policy, as arrays: ``names``, ``values`` and the Monte Carlo ``p05`` and
    ``p95`` (NaN where no draw converged)."""

    #: What the value column is called in the printed table.
    _value_heading = "value"
    #: What the bands are around, in the printed title.
    _title = "Uncertainty"

    def __init__(self, run: Any) -> None:
        super().__init__(run)
        self.names: List[str] = [p["policy"] for p in self.policies]
        self.values = np.array([p["value"] for p in self.policies], dtype=np.float64)
        self.p05 = _float_array([p["monte_carlo"]["p05"] for p in self.policies])
        self.p95 = _float_array([p["monte_carlo"]["p95"] for p in self.policies])

    def _columns(self) -> Dict[str, Any]:
        return {"policy": self.names, "value": self.values, "p05": self.p05, "p95": self.p95}

    def __repr__(self) -> str:
        rows = [[n, fmt(float(v)), fmt(float(a)), fmt(float(b))]
                for n, v, a, b in zip(self.names, self.values, self.p05, self.p95)]
        return (f"{self._title} ({self._record['source']}; {self.converged_draws} of "
                f"{self._record['draws']} draws)\n"
                + text_table(["policy", self._value_heading, "p05", "p95"], rows))


def _float_array(values: List[Optional[float]]) -> "np.ndarray":
    """Numbers as a float array, None as NaN."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
