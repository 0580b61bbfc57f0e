"""A small fuzzing round in every test run (`make fuzz` runs the large one, on a platform of its own):
schemathesis's generated operations against the gateway and every subgraph, as several roles, on the shared
platform (only callers whose mutations disturb no other test). No 5xx, no stack trace in a response or a log,
no masked internal error."""

import pytest

from wurao_devstack.fuzz import SHARED_PLATFORM_ROLES, fuzz

pytestmark = pytest.mark.e2e


def test_generated_operations_as_several_roles_get_no_5xx_and_leave_no_stack_trace(platform):
    report = fuzz(platform, examples=2, callers=SHARED_PLATFORM_ROLES, negative_share=2)
    assert report.operations >= 500, report.summary()
    assert set(report.by_endpoint) == {"gateway", "plan", "inspection", "rectification", "reporting"}
    assert not report.findings, "\n".join(str(finding) for finding in report.findings[:10])
    assert not report.log_traces, "\n".join(report.log_traces[:20])
    assert not any(status >= 500 for status in report.statuses), report.summary()
