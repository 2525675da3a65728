"""A launch plan on a one-minute cron schedule whose kickoff time is its input (the scheduler's end-to-end test)."""

from datetime import datetime

from flytekit import CronSchedule, LaunchPlan, task, workflow


@task
def stamp(t: datetime) -> str:
    return t.isoformat()


@workflow
def stamped(t: datetime) -> str:
    return stamp(t=t)


every_minute = LaunchPlan.get_or_create(
    workflow=stamped,
    name="aloft_sched.every_minute",
    schedule=CronSchedule(schedule="* * * * *", kickoff_time_input_arg="t"),
)
