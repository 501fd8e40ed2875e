"""The fallback web font (server/fonts.py): served from node_modules when `npm ci` installed it, linked
from every page then, and nothing else of the package is reachable; without it, no link and 404."""

from __future__ import annotations

import re

import pytest

import server.fonts as fonts


def test_pages_link_the_font_and_every_file_it_names_is_served(server_client):
    if not fonts.font_installed():
        pytest.skip("The web font is not installed (run `npm ci` in the repository).")
    page = server_client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    sheets = re.findall(r'<link rel="stylesheet" href="(/fonts/[^"]+)">', page)
    assert sheets == ["/fonts/noto-sans-sc/400.css", "/fonts/noto-sans-sc/700.css"]
    css = server_client.get(sheets[0])
    assert css.status_code == 200 and css.mimetype == "text/css"
    files = re.findall(r"url\(\./(files/[^)]+\.woff2)\)", css.get_data(as_text=True))
    assert len(files) > 50, "one file per unicode-range slice"
    for name in (files[0], files[len(files) // 2], files[-1]):
        font = server_client.get("/fonts/noto-sans-sc/" + name)
        assert font.status_code == 200 and font.data[:4] == b"wOF2", name


@pytest.mark.parametrize("name", ["100.css", "package.json", "../package.json", "files/../../yasgui/package.json",
                                  "files/noto-sans-sc-4-100-normal.woff2", "index.css"])
def test_nothing_else_of_the_package_is_served(server_client, name):
    assert server_client.get("/fonts/noto-sans-sc/" + name).status_code == 404


def test_without_the_font_pages_link_none_and_the_files_are_404(server_client, monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIR", tmp_path / "absent")
    page = server_client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "/fonts/" not in page and "style.css" in page
    assert server_client.get("/fonts/noto-sans-sc/400.css").status_code == 404
