"""The Swiss commercial register (ZEFIX): business customers' companies, looked up by UID."""

from adapters.company_register.zefix import (
    CompanyNotFound,
    CompanyRecord,
    RegistryUnavailable,
    ZefixRegistry,
)

__all__ = ["CompanyNotFound", "CompanyRecord", "RegistryUnavailable", "ZefixRegistry"]
