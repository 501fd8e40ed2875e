"""The fallback web font for Chinese: Noto Sans SC from npm (@fontsource/noto-sans-sc), served locally.

On a machine without a CJK system font (Debian's fonts-noto-cjk, which the setup installs only with
root) every Chinese character would be a box. The pages' font stacks name the system fonts first, so a
browser fetches these files only for characters no installed font has, and then only the unicode-range
slices the page uses (about 100 slices per weight; a plan page needs a few dozen of 20–60 KB each).
Weights 400 and 700 (body and headings); the package's other weights are not served.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory, url_for

from .state import found_at_start

FONT_DIR = Path(__file__).resolve().parent.parent / "node_modules" / "@fontsource" / "noto-sans-sc"
WEIGHTS = ("400", "700")

bp = Blueprint("fonts", __name__)


def font_installed() -> bool:
    """Whether `npm ci` installed the font: looked at once, by create_app (`installed`)."""
    return all((FONT_DIR / f"{weight}.css").is_file() for weight in WEIGHTS)


def installed() -> bool:
    """font_installed, as create_app found it."""
    return found_at_start("SCIPLAN_FONT", FONT_DIR, font_installed)


@bp.app_context_processor
def font_stylesheets() -> dict:
    """The stylesheets every page links (base.html), none when `npm ci` has not installed the font."""
    sheets = [url_for("fonts.font", name=f"{weight}.css") for weight in WEIGHTS] if installed() else []
    return {"font_stylesheets": sheets}


@bp.route("/fonts/noto-sans-sc/<path:name>")
def font(name: str):
    """A weight's stylesheet or one of its font files; anything else of the package is 404."""
    wanted = name in {f"{weight}.css" for weight in WEIGHTS} or (
        name.startswith("files/") and name.endswith((".woff2", ".woff"))
        and any(f"-{weight}-normal." in name for weight in WEIGHTS)
    )
    if not wanted or not installed():
        abort(404, "no such font file (the web font is installed by `npm ci`)")
    return send_from_directory(FONT_DIR, name, max_age=31536000)
