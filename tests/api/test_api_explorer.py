"""The API explorer (/schema/swagger) works without internet: every asset is ours."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from entrypoints.command_api.app import create_command_app
from tests.api.live_server import served

ASSET_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",),
               ".png": ("image/png",)}


def _asset_urls(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)


async def test_the_explorer_loads_nothing_from_elsewhere(command_api: Any,
                                                         query_api: Any) -> None:
    for client in (command_api, query_api):
        await _check_assets(client)


async def _check_assets(client: Any) -> None:
    page = await client.get("/schema/swagger")
    assert page.status_code == 200
    urls = _asset_urls(page.text)
    assert len(urls) >= 4  # the bundle, the preset, the style sheet, the icon
    for url in urls:
        assert url.startswith("/schema/assets/"), url  # no CDN, no other host
        asset = await client.get(url)
        assert asset.status_code == 200, url
        media_type = asset.headers["content-type"].split(";")[0]
        assert media_type in ASSET_TYPES[Path(url).suffix], (url, media_type)
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert "max-age" in asset.headers["cache-control"]
    for escape in ("/schema/assets/../../auth.py", "/schema/assets/..%2F..%2Fauth.py",
                   "/schema/assets/%2e%2e/%2e%2e/auth.py"):
        assert (await client.get(escape)).status_code in (400, 404), escape


async def test_the_explorer_renders_the_endpoints_in_a_headless_browser(
    settings: Any, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    async with served(create_command_app(settings)) as base:
        # --dump-dom prints the page after its scripts ran; no network but loopback.
        done = await asyncio.to_thread(
            subprocess.run,
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path}", "--virtual-time-budget=15000",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
             "--dump-dom", f"{base}/schema/swagger"],
            capture_output=True, text=True, timeout=120, check=True)
    dom = done.stdout
    assert "opblock-summary-path" in dom  # Swagger UI drew operations
    for path in ("/api/v1/customers", "/api/v1/sales/{sale_id}/quote", "/health"):
        assert path in dom, path
