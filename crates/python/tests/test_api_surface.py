"""Every public name has a docstring; the package ships its type information."""

import importlib
import inspect
import pathlib

import walras

MODULES = ["walras", "walras.errors", "walras.tax", "walras.trade", "walras.sweep", "walras.automation"]


def public_modules():
    for name in MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError:
            if name != "walras.automation":
                raise


def test_every_public_name_has_a_docstring():
    missing = []
    for module in public_modules():
        assert module.__doc__, module.__name__
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj)):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                        continue
                    if not inspect.getdoc(member):
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert not missing, missing


def test_the_package_ships_type_information():
    root = pathlib.Path(walras.__file__).parent
    assert (root / "py.typed").is_file()
    assert (root / "_walras.pyi").is_file()
