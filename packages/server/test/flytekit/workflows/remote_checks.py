"""Drives Aloft with the unmodified FlyteRemote and prints what it saw as one JSON document on stdout.

Usage: remote_checks.py CONFIG PROJECT DOMAIN VERSION CASES_JSON
CASES_JSON is a list of {"launch_plan": name, "inputs": {...}} (the expected outputs stay with the TypeScript test).
Besides the cases it fetches entities, lists recent executions, terminates a running execution and relaunches one.
"""
import dataclasses
import enum
import json
import sys
import time
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.remote import FlyteRemote

WAIT = dict(timeout=timedelta(seconds=180), poll_interval=timedelta(seconds=1))


def plain(v):
    if dataclasses.is_dataclass(v):
        return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "path"):  # FlyteFile / FlyteDirectory
        return {"path": str(v.path)}
    return repr(v)


def phase(execution):
    return WorkflowExecutionPhase.enum_to_string(execution.closure.phase)


def outputs_of(execution):
    if execution.outputs is None:
        return None
    return {name: plain(execution.outputs.get(name)) for name in execution.outputs.literals}


def main():
    config_file, project, domain, version, cases_file = sys.argv[1:6]
    with open(cases_file) as f:
        cases = json.load(f)
    remote = FlyteRemote(Config.auto(config_file=config_file), default_project=project, default_domain=domain)
    report = {"cases": [], "fetched": {}, "terminate": None, "relaunch": None}

    # Launch every case first, then wait for them together: the engine runs them concurrently.
    launched = []
    for case in cases:
        lp = remote.fetch_launch_plan(name=case["launch_plan"], version=version)
        launched.append((case, remote.execute(lp, inputs=case.get("inputs", {}))))
    for case, execution in launched:
        execution = remote.wait(execution, **WAIT)
        entry = {"launch_plan": case["launch_plan"], "execution": execution.id.name, "phase": phase(execution)}
        if execution.error is not None:
            entry["error"] = execution.error.message
        else:
            entry["outputs"] = outputs_of(execution)
        synced = remote.sync_execution(execution, sync_nodes=True)
        entry["nodes"] = sorted(synced.node_executions.keys())
        report["cases"].append(entry)

    # GetData through FlyteRemote.get: flyte:// URLs of a node's inputs, of one output, and of a task attempt's outputs.
    first_exec = launched[0][1].id.name
    base = f"flyte://v1/{project}/{domain}/{first_exec}/n0"
    node_inputs = remote.get(f"{base}/i")
    one_output = remote.get(f"{base}/o/o0")
    attempt_outputs = remote.get(f"{base}/0/o")
    report["get_data"] = {
        "node_inputs": sorted(node_inputs.literals.keys()),
        "one_output": one_output.scalar.primitive.integer,
        "attempt_outputs": sorted(attempt_outputs.literals.keys()),
    }

    # Reads of what `pyflyte register` created.
    first = cases[0]["launch_plan"]
    wf = remote.fetch_workflow(name=first, version=version)
    report["fetched"]["workflow"] = wf.id.name
    report["fetched"]["workflow_nodes"] = len(wf.flyte_nodes)
    report["fetched"]["tasks"] = sorted({n.flyte_entity.id.name for n in wf.flyte_nodes if n.flyte_entity is not None})
    execs, _ = remote.client.list_executions_paginated(project, domain, limit=100)
    report["fetched"]["recent_executions"] = len(execs)

    # Terminate: a long sleeper, once it runs, ends ABORTED.
    sleeper = remote.execute(remote.fetch_launch_plan(name="aloft_compat.basics.sleeper", version=version), inputs={"seconds": 300})
    deadline = time.time() + 60
    while time.time() < deadline:
        sleeper = remote.sync_execution(sleeper)
        if phase(sleeper) == "RUNNING":
            break
        time.sleep(0.5)
    report["terminate_seen_before"] = phase(sleeper)
    remote.terminate(sleeper, cause="compat suite terminates it")
    sleeper = remote.wait(sleeper, **WAIT)
    report["terminate"] = phase(sleeper)

    # Relaunch the first case's execution: same inputs, new execution, same outputs.
    original = launched[0][1]
    new_id = remote.client.relaunch_execution(original.id, name=original.id.name[:14] + "rl")
    relaunched = remote.wait(remote.fetch_execution(project=project, domain=domain, name=new_id.name), **WAIT)
    report["relaunch"] = {"execution": relaunched.id.name, "phase": phase(relaunched), "outputs": outputs_of(relaunched)}

    json.dump(report, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
