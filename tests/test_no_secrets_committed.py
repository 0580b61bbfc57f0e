"""Secrets never in the repository: no committed file holds a private key, a signed token or a NATS seed, and the
folders where the platform writes its keys and passwords are ignored by git."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECRETS = {
    "a PEM private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "a signed JWT": re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}"),
    "a NATS credentials file": re.compile(r"-----BEGIN (NATS USER JWT|USER NKEY SEED)-----"),
    "a NATS nkey seed": re.compile(r"\bS[OPANCUX][A-Z2-7]{56}\b"),
}


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, check=False)


def test_no_committed_file_holds_a_private_key_a_token_or_a_nats_seed():
    found = []
    for name in filter(None, _git("ls-files", "-z").stdout.decode().split("\0")):
        path = REPO / name
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [f"{name}: {what}" for what, pattern in SECRETS.items() if pattern.search(text)]
    assert not found, "\n".join(found)


def test_where_the_platform_writes_keys_and_passwords_git_ignores():
    """`make run`'s development keys and NATS passwords (.wurao/keys), and an overlay's generated secrets
    (`python -m wurao_devstack.k8s secrets deploy/k8s/overlays/<environment>`)."""
    written = [
        ".wurao/keys/jwt-private.pem",
        ".wurao/keys/code-signing.pem",
        ".wurao/keys/nats-passwords.json",
        "deploy/k8s/overlays/production/secrets/code-signing.pem",
        "deploy/k8s/overlays/staging/secrets/nats-users.env",
    ]
    assert [path for path in written if _git("check-ignore", "-q", "--no-index", path).returncode != 0] == []
