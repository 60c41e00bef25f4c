"""The catalog: one declarative description per reporting regime, the single source of truth."""

from .load import (
    DEFAULT_REGIME,
    CatalogError,
    available_regimes,
    load_catalog,
    load_catalog_file,
    load_registry,
    registry_of,
)
from .models import ERROR, NUMERIC_KINDS, WARNING, Catalog, Form, Indicator, Registry, Rule, Unit

__all__ = [
    "DEFAULT_REGIME", "CatalogError", "available_regimes", "load_catalog", "load_catalog_file", "load_registry",
    "registry_of", "ERROR", "WARNING", "NUMERIC_KINDS", "Catalog", "Form", "Indicator", "Registry", "Rule", "Unit",
]
