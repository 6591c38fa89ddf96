#!/usr/bin/env python3
"""Execute every notebook in notebooks/ top to bottom in a fresh kernel; any error fails the
run (each notebook's last cell asserts its headline number). Prints each notebook's runtime.

    python tests/notebooks.py            # check (the notebooks on disk are not changed)
    python tests/notebooks.py --write    # also save the executed outputs into the notebooks

Notebooks on datasets Walras does not ship (metadata `walras.needs_data`) read them from
`WALRAS_DATA_DIR` (default: ../shared/data beside the repository); when a dataset is missing
the notebook is skipped with a message, and under `CI=true` that is a failure.

Needs the walras package, nbclient, nbformat and ipykernel in the running interpreter."""
import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the executed outputs")
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(n in p.name for n in args.names)]
    data = pathlib.Path(os.environ.get("WALRAS_DATA_DIR", ROOT.parent / "shared" / "data"))
    if not data.is_absolute():
        data = ROOT / data
    os.environ["WALRAS_DATA_DIR"] = str(data)
    failed, total = [], 0.0
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        missing = [d for d in notebook.metadata.get("walras", {}).get("needs_data", []) if not (data / d).is_dir()]
        if missing:
            message = f"{path.name}: needs {', '.join(missing)} under WALRAS_DATA_DIR={data}"
            if os.environ.get("CI") == "true":
                failed.append(path.name)
                print(f"FAILED {message}", file=sys.stderr)
            else:
                print(f"skipped {message}")
            continue
        client = NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        started = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as e:
            failed.append(path.name)
            print(f"FAILED {path.name}:\n{e}", file=sys.stderr)
            continue
        elapsed = time.perf_counter() - started
        total += elapsed
        print(f"ok {path.name} ({elapsed:.1f} s)")
        if args.write:
            nbformat.write(notebook, path)
    print(f"{len(paths) - len(failed)} notebooks passed, {len(failed)} failed, {total:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
