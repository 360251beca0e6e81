"""``analysis.prime``: a server compiles the patterns its first messages need before they come."""

from __future__ import annotations

import json
import subprocess
import sys

_SNIPPET = """
import json
from amparo.triage import analysis, catalogue
search = catalogue.load().search
before = sum(p is not None for p in search._compiled)
analysis.prime()
after = sum(p is not None for p in search._compiled)
print(json.dumps({"before": before, "after": after, "flags": len(catalogue.load().flags),
                  "patterns": len(search._compiled)}))
"""


def test_prime_compiles_the_patterns_of_every_flag_before_the_first_message() -> None:
    # a fresh interpreter: the tests of this process have compiled patterns already
    out = subprocess.run(
        [sys.executable, "-c", _SNIPPET], capture_output=True, text=True, check=True, timeout=120
    )
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert counts["before"] == 0  # loading stays lean: nothing is compiled by load alone
    # every flag has examples that match it, so each flag has at least one pattern ready
    assert counts["after"] >= counts["flags"]
    assert counts["after"] > counts["patterns"] // 2
