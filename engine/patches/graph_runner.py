"""Graph runs in order, without dask's local scheduler, and without re-pruning the graph.

Every graph run (each parse, each prediction) goes through `DaskGraphRunner.run`, which
(1) works out again, recursively, which nodes its targets need (a few per cent of a turn),
and (2) hands the graph to dask's local scheduler, whose bookkeeping (ordering, queues,
callbacks) costs more than running this small graph's nodes one after another. Here the
pruned schema is kept per runner and set of targets (a loaded model's schema never
changes), and the nodes run with dask's plain in-order `dask.core.get` on the same graph:
same node calls, same results, same errors.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import dask.core
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

_rasa_run = DaskGraphRunner.run
ORIGINALS: Dict[str, Any] = {"rasa.engine.runner.dask:DaskGraphRunner.run": _rasa_run}


def pruned_schema(runner: DaskGraphRunner, targets: List[str]) -> GraphSchema:
    """Rasa's `minimal_graph_schema` for these targets, worked out once per runner."""
    cache: Dict[Tuple[str, ...], GraphSchema] = runner.__dict__.setdefault("_pruned", {})
    key = tuple(targets)
    if key not in cache:
        cache[key] = runner._graph_schema.minimal_graph_schema(targets)
    return cache[key]


def run(
    self: DaskGraphRunner,
    inputs: Dict[str, Any] | None = None,
    targets: List[str] | None = None,
) -> Dict[str, Any]:
    """Rasa's `DaskGraphRunner.run`, with the pruned schema kept and the nodes run in order."""
    run_targets = targets if targets else self._graph_schema.target_names
    run_graph = self._build_dask_graph(pruned_schema(self, run_targets))
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(dask.core.get(run_graph, run_targets))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def install() -> None:
    """Put the in-order run in place of Rasa's (idempotent)."""
    DaskGraphRunner.run = run


def uninstall() -> None:
    """Put Rasa's run back (for the tests that compare the two)."""
    DaskGraphRunner.run = _rasa_run
