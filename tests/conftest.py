"""Marks each test by its folder (unit / infra / integration / contract / docs / fork / policy / adot) so `pytest -m unit` selects a kind."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.interpreter import use_project_node

# jsii starts Node when aws_cdk is imported: the project's supported LTS, also when pytest is run directly.
use_project_node()


# Tests that share something costly run in one worker under `pytest -n --dist loadgroup` (make test), so it is made
# once: the front serving the `lmi` synth ("lmi"); the least-privilege test reads the calls the other integration tests
# recorded in that worker's session ("integration"); the contract suite's served front ("contract"); and these modules'
# fixtures: the four dependencies layers pip builds, cfn-lint's loaded specs.
SHARED_FIXTURE_GROUPS = {"test_dependencies_layer.py": "dependencies-layer", "test_cfn_lint.py": "cfn-lint"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (--dist loadgroup) off the marks added here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        for kind in ("unit", "infra", "integration", "contract", "docs", "fork", "policy", "adot"):
            if kind in parts:
                item.add_marker(getattr(pytest.mark, kind))
        group = shared_fixture_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    # What reads the calls every other test recorded runs after them (a stable sort keeps the rest in order).
    items.sort(key=lambda item: item.get_closest_marker("after_recorded_calls") is not None)


def shared_fixture_group(item: pytest.Item) -> str | None:
    if uses_lmi_synth(item):
        return "lmi"
    if item.path.name in SHARED_FIXTURE_GROUPS:
        return SHARED_FIXTURE_GROUPS[item.path.name]
    return next((kind for kind in ("integration", "contract") if kind in item.path.parts), None)


# The parameter of a test run against the managed-instances stage (the `lmi` synth) as well as the default one: the
# contract suite's front, the property's target.
MANAGED_INSTANCES = "managed-instances"


def uses_lmi_synth(item: pytest.Item) -> bool:
    """The test needs the ``lmi`` synth: it asks for it, or runs against the managed-instances stage."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec is not None else ()
    return "lmi" in getattr(item, "fixturenames", ()) or MANAGED_INSTANCES in params


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Both built-in stages, synthesized once per session for the infra tests, the integration tests' role
    comparison and the contract tests' front (``lambda-kit serve`` runs the dev stage's assets, so the dev service
    stack's are bundled: its dependencies layer is installed for Lambda's platform). AWS's Guard rules cost ~10 s per
    synth: `make policy-checks` (tests/policy) runs them and checkov on a synth of its own; this session's templates
    are otherwise identical (the plugin only reports)."""
    from stacks.project import load_project
    from tests.infra.conftest import STAGES, shared_synth

    bundled = load_project().stage("dev").stack_name("service")
    return shared_synth(
        tmp_path_factory,
        "cdk.out",
        stage=",".join(STAGES),
        guard="false",
        **{"aws:cdk:bundling-stacks": [bundled]},
    )


@pytest.fixture(scope="session")
def lmi(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """dev switched to managed instances (``tests.infra.conftest.LMI_SETTINGS``), synthesized once per session: the same
    stage after the switch (tests/infra/test_strategy_switch.py), checked like the others (tests/infra), and run by the
    kit (its dev service stack's assets are bundled): served for the contract suite, its environment for the
    multi-concurrency tests (tests/integration/test_managed_instances.py). Every test using it is in the ``lmi`` group
    (one worker under ``pytest -n``), so its served front starts once."""
    from stacks.project import load_project
    from tests.infra.conftest import LMI_SETTINGS, shared_synth

    bundled = load_project().stage("dev").stack_name("service")
    return shared_synth(
        tmp_path_factory,
        "lmi",
        stage="dev",
        stages={"dev": LMI_SETTINGS},
        guard="false",
        **{"aws:cdk:bundling-stacks": [bundled]},
    )
