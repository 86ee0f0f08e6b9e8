"""Public registers the business checks customer data against (ZEFIX, the Swiss commercial register)."""

from adapters.registry.zefix import (
    CompanyNotFound,
    CompanyRecord,
    RegistryUnavailable,
    ZefixRegistry,
)

__all__ = ["CompanyNotFound", "CompanyRecord", "RegistryUnavailable", "ZefixRegistry"]
