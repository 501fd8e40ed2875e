"""Whether `npm ci` installed the web font and the editor is looked at once, when the app is created."""

from __future__ import annotations

from server import fonts, query_page


def test_the_files_are_looked_at_at_creation_not_per_request(server_client, monkeypatch):
    looked = []
    monkeypatch.setattr(fonts, "font_installed", lambda: looked.append("font") or True)
    monkeypatch.setattr(query_page, "editor_installed", lambda: looked.append("editor") or True)
    for _ in range(2):
        assert server_client.get("/query").status_code == 200
        assert server_client.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert looked == []
