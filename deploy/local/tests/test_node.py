"""The Node and npm the dev stack chose run npm's lifecycle scripts, which call `npm` again (as the web build does)."""

import json
import subprocess

from wurao_devstack import gateway


def test_a_script_that_runs_npm_again_runs_with_the_chosen_node_and_npm(tmp_path):
    (tmp_path / "package.json").write_text(
        json.dumps(
            {
                "name": "nested",
                "private": True,
                "scripts": {
                    "inner": "node -e \"require('fs').writeFileSync('ran', process.version)\"",
                    "outer": "npm run inner",
                },
            }
        )
    )
    gateway.run_npm(tmp_path, "run", "outer")
    chosen, _ = gateway.node_and_npm()
    assert (tmp_path / "ran").read_text() == subprocess.run(
        [chosen, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip(), "the inner script ran on the node the dev stack chose"
