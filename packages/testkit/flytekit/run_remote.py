"""Launches registered workflows through FlyteRemote, waits for them and prints one JSON line per run.

usage: python3 run_remote.py CONFIG PROJECT DOMAIN VERSION < cases.json
cases.json: [{"workflow": "workflows.map_tasks.squares", "inputs": {"xs": [1, 2]}, "nodes": false, "timeout": 240}, ...]
Each output line: {"workflow": ..., "execution": ..., "phase": "SUCCEEDED", "outputs": {...}, "error": "...",
"decks": {node id: deck URI} (with "nodes": true)}
"""
import json
import sys
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.remote import FlyteRemote


def main() -> None:
    config, project, domain, version = sys.argv[1:5]
    cases = json.load(sys.stdin)
    remote = FlyteRemote(Config.auto(config_file=config), default_project=project, default_domain=domain)
    launched = []
    for case in cases:
        wf = remote.fetch_workflow(name=case["workflow"], version=version)
        launched.append((case, remote.execute(wf, inputs=case.get("inputs", {}))))
    for case, ex in launched:
        ex = remote.wait(
            ex,
            timeout=timedelta(seconds=float(case.get("timeout", 240))),
            poll_interval=timedelta(seconds=1),
            sync_nodes=bool(case.get("nodes")),
        )
        phase = WorkflowExecutionPhase.enum_to_string(ex.closure.phase)
        result = {"workflow": case["workflow"], "execution": ex.id.name, "phase": phase}
        if case.get("nodes"):
            result["decks"] = {k: n.closure.deck_uri for k, n in ex.node_executions.items() if n.closure.deck_uri}
        if ex.closure.error is not None:
            result["error"] = ex.closure.error.message
        else:
            result["outputs"] = {k: _plain(ex.outputs.get(k)) for k in ex.outputs.keys()} if ex.outputs else {}
        print(json.dumps(result), flush=True)


def _plain(v):
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return str(v)


if __name__ == "__main__":
    main()
