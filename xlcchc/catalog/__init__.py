"""The catalog: one declarative description per reporting regime, the single source of truth."""

from .load import (
    DEFAULT_REGIME,
    CatalogError,
    available_regimes,
    load_catalog,
    load_registry,
    registry_of,
)
from .models import ERROR, NUMERIC_KINDS, WARNING, Catalog, Form, Indicator, Registry, Rule, Unit

__all__ = [
    "DEFAULT_REGIME", "CatalogError", "available_regimes", "load_catalog", "load_catalog_file", "load_registry",
    "registry_of", "ERROR", "WARNING", "NUMERIC_KINDS", "Catalog", "Form", "Indicator", "Registry", "Rule", "Unit",
]


def __getattr__(name: str):
    """`load_catalog_file` from `catalog.compile` on first use, as `catalog.load` gives it (a run whose
    catalogs are all cached never imports the compiler)."""
    if name == "load_catalog_file":
        from .compile import load_catalog_file

        return load_catalog_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
