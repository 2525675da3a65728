"""Drives Aloft with the unmodified FlyteRemote and prints what it saw as one JSON document on stdout.

Usage: remote_checks.py CONFIG PROJECT DOMAIN VERSION CASES_JSON
CASES_JSON is a list of {"launch_plan": name, "inputs": {...}} (the expected outputs stay with the TypeScript test).
Besides the cases it checks caching, cache_serialize, gates and recovery (class Features, launched alongside the cases),
fetches entities, lists recent executions, terminates a running execution and relaunches one.
"""
import dataclasses
import enum
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta

from flytekit.configuration import Config
from flyteidl.core.catalog_pb2 import CatalogCacheStatus
from flytekit.models.core.execution import NodeExecutionPhase, WorkflowExecutionPhase
from flytekit.remote import FlyteRemote

WAIT = dict(timeout=timedelta(seconds=300), poll_interval=timedelta(seconds=1))


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


def node_phases(remote, execution):
    synced = remote.sync_execution(execution, sync_nodes=True)
    return {k: NodeExecutionPhase.enum_to_string(n.closure.phase) for k, n in synced.node_executions.items() if k not in ("start-node", "end-node")}


def lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


class Features:
    """Caching, cache_serialize, gates (approve, wait_for_input, sleep) and recovery: launched alongside the cases."""

    def __init__(self, remote, project, domain, version):
        self.remote, self.project, self.domain, self.version = remote, project, domain, version
        self.dir = tempfile.mkdtemp(prefix="aloft-compat-")
        self.cache_marker = os.path.join(self.dir, "cache.log")
        self.serialize_marker = os.path.join(self.dir, "serialize.log")
        self.recover_marker = os.path.join(self.dir, "recover.log")
        self.poison = os.path.join(self.dir, "poison")
        with open(self.poison, "w") as f:
            f.write("remove me to recover\n")

    def lp(self, name):
        return self.remote.fetch_launch_plan(name=f"aloft_compat.resilience.{name}", version=self.version)

    def launch(self):
        r = self.remote
        self.cached_first = r.execute(self.lp("cached"), inputs={"x": 7, "marker": self.cache_marker})
        serialized = self.lp("cache_serialized")
        self.serialized = [r.execute(serialized, inputs={"x": 5, "marker": self.serialize_marker}) for _ in range(2)]
        self.failing = r.execute(self.lp("recoverable"), inputs={"x": 1, "marker": self.recover_marker, "poison": self.poison})
        self.gated = r.execute(self.lp("gated"), inputs={"x": 2})

    def check(self):
        """Each feature's next step starts as soon as it can, and only then is anything waited for to the end."""
        r = self.remote
        out = {}
        # cache=True: the second execution with the same inputs (launched once the first is done) is a cache hit and the
        # task body does not run again.
        first = r.wait(self.cached_first, **WAIT)
        second = r.execute(self.lp("cached"), inputs={"x": 7, "marker": self.cache_marker})

        # Gates: wait for the approve and input signals to exist, then set them through FlyteRemote.
        gated = self.gated
        deadline = time.time() + 120
        signals = []
        while time.time() < deadline:
            signals = sorted(s.id.signal_id for s in r.list_signals(gated.id.name))
            if "approve-y" in signals:
                break
            time.sleep(0.5)
        out["gates_signals_listed"] = signals
        out["gates_phase_while_waiting"] = phase(r.sync_execution(gated))
        r.approve("approve-y", gated.id.name)
        r.set_signal("extra", gated.id.name, 5)
        r.set_signal("note", gated.id.name, "ok")

        # Recovery: the failed execution, its cause removed, recovered: only the failed node runs again.
        failed = r.wait(self.failing, **WAIT)
        os.remove(self.poison)
        rec_id = r.client.recover_execution(failed.id, name=failed.id.name[:14] + "rc")

        second = r.wait(second, **WAIT)
        statuses = []
        for e in (first, second):
            n0 = r.sync_execution(e, sync_nodes=True).node_executions["n0"]
            statuses.append(CatalogCacheStatus.Name(n0.closure.task_node_metadata.cache_status) if n0.closure.task_node_metadata else None)
        out["cache"] = {"phases": [phase(first), phase(second)], "outputs": [outputs_of(first), outputs_of(second)], "statuses": statuses, "runs": lines(self.cache_marker)}

        # cache_serialize: two concurrent executions of the same inputs, the body runs once.
        done = [r.wait(e, **WAIT) for e in self.serialized]
        out["cache_serialize"] = {"phases": [phase(e) for e in done], "outputs": [outputs_of(e) for e in done], "runs": lines(self.serialize_marker)}

        gated = r.wait(gated, **WAIT)
        out["gates"] = {"phase": phase(gated), "outputs": outputs_of(gated), "nodes": node_phases(r, gated)}

        recovered = r.wait(r.fetch_execution(project=self.project, domain=self.domain, name=rec_id.name), **WAIT)
        out["recover"] = {
            "failed_phase": phase(failed),
            "failed_error": failed.error.message if failed.error else None,
            "phase": phase(recovered),
            "outputs": outputs_of(recovered),
            "nodes": node_phases(r, recovered),
            "first_step_runs": len(lines(self.recover_marker)),
        }
        shutil.rmtree(self.dir, ignore_errors=True)
        return out


def main():
    config_file, project, domain, version, cases_file = sys.argv[1:6]
    with open(cases_file) as f:
        cases = json.load(f)
    remote = FlyteRemote(Config.auto(config_file=config_file), default_project=project, default_domain=domain)
    report = {"cases": [], "fetched": {}, "terminate": None, "relaunch": None}

    # Launch everything first, then wait for them together: the engine runs them concurrently. The features go first:
    # they have steps to take after their first executions end (process slots are handed out in launch order).
    features = Features(remote, project, domain, version)
    features.launch()
    launched = []
    for case in cases:
        lp = remote.fetch_launch_plan(name=case["launch_plan"], version=version)
        launched.append((case, remote.execute(lp, inputs=case.get("inputs", {}))))
    # The sleeper to terminate and the relaunch start now too, so that they run alongside rather than after the rest.
    sleeper = remote.execute(remote.fetch_launch_plan(name="aloft_compat.basics.sleeper", version=version), inputs={"seconds": 300})
    original = launched[0][1]
    relaunch_id = remote.client.relaunch_execution(original.id, name=original.id.name[:14] + "rl")
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

    report["features"] = features.check()

    # Terminate: a long sleeper, once it runs, ends ABORTED.
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

    # The relaunch of the first case's execution: same inputs, new execution, same outputs.
    relaunched = remote.wait(remote.fetch_execution(project=project, domain=domain, name=relaunch_id.name), **WAIT)
    report["relaunch"] = {"execution": relaunched.id.name, "phase": phase(relaunched), "outputs": outputs_of(relaunched)}

    json.dump(report, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
