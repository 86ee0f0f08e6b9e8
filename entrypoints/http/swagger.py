"""The API explorer (/schema/swagger) with Swagger UI served from a pip package.

Litestar's default loads Swagger UI from a CDN: blank on a machine without internet.
Here the page points at /schema/assets/, served from `swagger-ui-bundle-v2`'s files.
"""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

__all__ = ["ASSETS_PATH", "swagger_assets", "swagger_plugin"]

ASSETS_PATH = "/schema/assets"


def swagger_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


def swagger_assets() -> Router:
    # The files change only with the package version: caches may keep them a day.
    return create_static_files_router(
        path=ASSETS_PATH, directories=[swagger_ui_path], name="swagger-assets",
        include_in_schema=False, opt={"exclude_from_auth": True},
        cache_control=CacheControlHeader(public=True, max_age=86_400))
