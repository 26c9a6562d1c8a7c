"""Code location for Kubernetes: the project's definitions with every step run as a Kubernetes Job.

Point the deployment's workspace at this module (``python_module: deploy.k8s.definitions``, or
``dagster api grpc -f deploy/k8s/definitions.py``) in an image that has ``pip install -c constraints.txt
.[dev]`` (``dagster-k8s`` is pinned there). The executor's settings are in ``executor.yaml`` beside this file.
"""

from pathlib import Path

import dagster as dg
import yaml
from dagster_k8s import k8s_job_executor

from dagster_project.definitions import defs as local_defs

EXECUTOR_CONFIG = yaml.safe_load((Path(__file__).parent / "executor.yaml").read_text())["execution"]["config"]

defs = dg.Definitions(
    assets=local_defs.assets,
    asset_checks=local_defs.asset_checks,
    jobs=local_defs.jobs,
    sensors=local_defs.sensors,
    schedules=local_defs.schedules,
    resources=local_defs.resources,
    executor=k8s_job_executor.configured(EXECUTOR_CONFIG, name="newsetl_k8s"),
)
