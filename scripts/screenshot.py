#!/usr/bin/env python
"""Picture of the network page for the README: dist/network.html in headless Chromium -> docs/network.png.

    python scripts/screenshot.py [--dist DIST] [--out PNG] [--focus NAME] [--width W] [--height H]

Builds the project first when DIST has no network.html (the build writes it), and never downloads a
browser: it drives Debian's Chromium at /usr/bin/chromium, offline (every http(s) request is refused).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def network_page(dist: Path) -> Path:
    """The network page in `dist`, building the project into `dist` first when it is missing."""
    page = dist / "network.html"
    if not page.exists():
        from catkg.build import build

        result = build(ROOT, dist)
        if result.exit_code != 0:
            raise SystemExit(f"the build failed (exit {result.exit_code}); run `catkg build` to see why")
    if not page.exists():
        raise SystemExit(f"{page}: no network page; this build does not write network.html yet")
    return page


# Find NAME as a user would (the search box), highlight its neighbours and fill the view with them.
FOCUS_JS = """(text) => {
  document.getElementById("catkg-search").value = text;
  const id = window.catkg.search(text, {animate: false});
  if (id === null) return null;
  const ids = [id].concat(window.catkg.network.getConnectedNodes(id));
  window.catkg.network.fit({nodes: ids, animation: false});
  return id;
}"""


class FocusNotFound(SystemExit):
    """The name given to --focus matches no entity of the page."""


def screenshot(
    page_path: Path,
    out: Path,
    width: int = 1400,
    height: int = 900,
    focus: str | None = None,
    timeout_s: float = 120,
) -> Path:
    """Open `page_path` in headless Chromium, wait until the layout is frozen, and save a PNG at `out`.

    With `focus`, the entity of that name is searched for and shown with its neighbours.
    """
    from catkg.network import chromium_browser

    out.parent.mkdir(parents=True, exist_ok=True)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.route("http*://**", lambda route: route.abort())  # the page must need nothing online
        page.goto(page_path.resolve().as_uri())
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=timeout_s * 1000)
        if focus is None:  # the whole network, filling the canvas
            page.evaluate("window.catkg.network.fit({animation: false})")
        elif page.evaluate(FOCUS_JS, focus) is None:
            raise FocusNotFound(f"--focus {focus!r}: no entity of {page_path} has that name")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out), full_page=False)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry: write the PNG and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="build output folder")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "network.png", help="PNG to write")
    parser.add_argument("--focus", help="show this entity (label or alternative label) and its neighbours")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    out = screenshot(network_page(args.dist.resolve()), args.out, args.width, args.height, args.focus)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
