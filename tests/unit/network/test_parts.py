"""The connected parts of a cluster's report–indicator graph (what splits, paths and the
network views walk)."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from amparo.network.service import _bipartite_parts


class _CountingDict(dict[int, set[int]]):
    """Counts how often each indicator's reports are read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: defaultdict[int, int] = defaultdict(int)

    def __getitem__(self, key: int) -> set[int]:
        self.reads[key] += 1
        return super().__getitem__(key)


def _graph(edges: list[tuple[int, int]]) -> tuple[dict[int, set[int]], _CountingDict]:
    by_report: dict[int, set[int]] = defaultdict(set)
    by_indicator = _CountingDict()
    for report_id, indicator_id in edges:
        by_report[report_id].add(indicator_id)
        by_indicator.setdefault(indicator_id, set()).add(report_id)
    return by_report, by_indicator


def test_a_value_shared_by_thousands_of_reports_is_walked_once() -> None:
    # one "hot" number in 3,000 reports, each report also with a number of its own
    edges = [(r, 0) for r in range(3_000)] + [(r, r + 1) for r in range(3_000)]
    by_report, by_indicator = _graph(edges)
    parts = _bipartite_parts(range(3_000), by_report, by_indicator)
    assert [sorted(p) for p in parts] == [list(range(3_000))]
    assert max(by_indicator.reads.values()) == 1  # not once per report that shares it


@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 12)), max_size=80),
    st.sets(st.integers(0, 30)),
)
def test_parts_are_networkx_components(edges: list[tuple[int, int]], lone: set[int]) -> None:
    reports = sorted({r for r, _ in edges} | lone)
    by_report, by_indicator = _graph(edges)
    parts = _bipartite_parts(reports, by_report, by_indicator)
    graph = nx.Graph()
    graph.add_nodes_from(("r", r) for r in reports)
    graph.add_edges_from((("r", r), ("i", i)) for r, i in edges)
    expected = {
        frozenset(n for kind, n in component if kind == "r")
        for component in nx.connected_components(graph)
    }
    assert {frozenset(p) for p in parts} == expected
    assert sum(len(p) for p in parts) == len(reports)  # each report in one part only
    assert [min(p) for p in parts] == sorted(min(p) for p in parts)
