"""The plan service's settings: the common ones plus the key that signs inspection codes."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from wurao_common import config
from wurao_common.codes import public_key_text
from wurao_common.service import CommonSettings
from wurao_plan.domain.codes import scan_base_url_problem


@dataclass(frozen=True)
class CodeSigning:
    private_key: Ed25519PrivateKey
    key_id: int
    scan_base_url: str

    @property
    def public_key(self) -> str:
        return public_key_text(self.private_key.public_key())

    def __repr__(self) -> str:  # never print the private key
        return f"CodeSigning(key_id={self.key_id}, scan_base_url={self.scan_base_url!r})"

    @classmethod
    def from_env(cls, env: config.Config, *, production: bool) -> CodeSigning:
        pem = config.read_file(env, "CODE_SIGNING_KEY_FILE")
        try:
            key = load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as error:
            raise config.SettingsError(f"setting CODE_SIGNING_KEY_FILE: not an unencrypted PEM key: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise config.SettingsError("setting CODE_SIGNING_KEY_FILE: must be an Ed25519 private key")
        key_id = config.read(env, "CODE_SIGNING_KEY_ID", int)
        if not 0 <= key_id <= 65535:
            raise config.SettingsError("setting CODE_SIGNING_KEY_ID: must be between 0 and 65535")
        scan_base_url = config.read(env, "SCAN_BASE_URL")
        problem = scan_base_url_problem(scan_base_url, production=production)
        if problem:
            raise config.SettingsError(f"setting SCAN_BASE_URL: {problem}")
        return cls(private_key=key, key_id=key_id, scan_base_url=scan_base_url)


@dataclass(frozen=True)
class PlanSettings:
    common: CommonSettings
    codes: CodeSigning

    @classmethod
    def from_env(cls, env: config.Config | None = None) -> PlanSettings:
        env = env or config.Config(environ=config.environ)
        common = CommonSettings.from_env(env)
        return cls(common=common, codes=CodeSigning.from_env(env, production=common.environment == "production"))
