"""Launches auth_wf.wf through FlyteRemote (client credentials from the config file) and prints the outcome as JSON."""
import json
import sys
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.remote import FlyteRemote

config_file, version = sys.argv[1], sys.argv[2]
remote = FlyteRemote(Config.auto(config_file=config_file), default_project="flytesnacks", default_domain="development")
lp = remote.fetch_launch_plan(name="auth_wf.wf", version=version)
execution = remote.execute(lp, inputs={"a": 3, "b": 4})
execution = remote.wait(execution, timeout=timedelta(seconds=120))
print(json.dumps({
    "name": execution.id.name,
    "phase": execution.closure.phase,
    "outputs": {k: execution.outputs.get(k, as_type=int) for k in execution.outputs.keys()} if execution.outputs else None,
}))
