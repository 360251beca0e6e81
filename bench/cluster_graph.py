"""How long the cluster graph of /redes/{id} takes to lay out and draw in headless Chromium, for
clusters of a few hundred to several thousand nodes (synthetic: reports sharing phones and
accounts). The page's own script and cytoscape, loaded from the package's static files.

    python bench/cluster_graph.py [--sizes 300,3000,6000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "src" / "amparo" / "web" / "static"


def cluster(reports: int, seed: int = 3) -> dict[str, list[object]]:
    rng = random.Random(seed)
    indicators = max(2, reports // 3)
    edges = set()
    for r in range(reports):
        for _ in range(rng.randint(1, 3)):
            edges.add((r, rng.randrange(indicators)))
    return {
        "reports": [{"id": r, "label": f"r{r}"} for r in range(reports)],
        "indicators": [{"id": i, "label": f"+52{i:010d}"} for i in range(indicators)],
        "edges": [list(e) for e in sorted(edges)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="300,3000,6000", help="reports per cluster")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="amparo-graph-"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for size in (int(s) for s in args.sizes.split(",")):
            data = cluster(size)
            page_file = folder / f"g{size}.html"
            page_file.write_text(
                "<!doctype html><html><body>"
                '<div id="graph" style="height:420px;width:390px"></div>'
                f'<script type="application/json" id="graph-data">{json.dumps(data)}</script>'
                f'<script src="{STATIC / "vendor" / "cytoscape-3.35.0.min.js"}"></script>'
                f'<script src="{STATIC / "cluster-graph.js"}"></script>'
                "</body></html>"
            )
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(page_file.as_uri())
            page.wait_for_selector("#graph[data-ready=true]", timeout=120_000)
            drawn = page.evaluate("window.amparoGraph")
            print(
                f"{size} reports: {drawn['nodes']} nodes, {drawn['edges']} edges, "
                f"laid out and drawn in {drawn['ms']} ms"
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
