"""deploy/k8s renders, with a real kustomize, into manifests a cluster accepts and that keep the platform's rules.

Each overlay is rendered by kubectl's built-in kustomize (unpacked from a wheel by wurao_devstack.kubectl) after
`python -m wurao_devstack.k8s secrets` wrote its secrets into a throw-away copy, then every object is validated
against the Kubernetes 1.35 schemas (strict: unknown fields fail). Custom resources of the operators have no
schema here and are checked field by field below instead.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from wurao_common import logs
from wurao_common.auth import generate_signing_key
from wurao_common.config import Config
from wurao_devstack import bus
from wurao_devstack.k8s import nats_users, password_variable, write_secrets
from wurao_devstack.kubectl import ensure_kubectl

REPO = Path(__file__).parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ["production", "staging"]
SERVICES = ["plan", "inspection", "rectification", "reporting"]
KUBERNETES_VERSION = "1.35.0"  # the kubectl the wheel ships
# Custom resources: no JSON schema for them is shipped by any package here (their CRDs live in the operators'
# own repositories), so the schema check skips them by kind and the tests below check the fields wurao relies on.
CUSTOM_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "CloudNativePG's CRD; checked by test_each_service_has_its_own_database",
    ("databases.spotahome.com/v1", "RedisFailover"): "Spotahome redis-operator's CRD; checked by test_redis_*",
}
# What may use a database connection besides the replicas' pools: the migration Job's pool (1) and the largest
# pool of a one-off command (reporting's rebuild and plan's seed: 4), plus room for an operator's psql session.
MIGRATION_JOB_CONNECTIONS = 1
TOOL_CONNECTIONS = 4
OPERATOR_HEADROOM = 10
SUPERUSER_RESERVED = 3  # PostgreSQL's default superuser_reserved_connections, left as it is


def _render(kubectl: Path, overlay: Path) -> list[dict]:
    write_secrets(overlay)
    (overlay / "secrets" / "jwt-public.pem").write_bytes(generate_signing_key()[1])
    result = subprocess.run([kubectl, "kustomize", overlay], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    kubectl = ensure_kubectl()
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("secrets"))
    return {overlay: _render(kubectl, copy / "overlays" / overlay) for overlay in OVERLAYS}


def objects(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def workloads(docs: list[dict]) -> dict[str, dict]:
    """Every pod template: Deployments, StatefulSets and Jobs, by `Kind/name`."""
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": doc["spec"]["template"]
        for doc in docs
        if doc["kind"] in ("Deployment", "StatefulSet", "Job")
    }


def env_of(container: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container.get("env", [])}


def config_value(docs: list[dict], key: str) -> str:
    (config,) = [doc for name, doc in objects(docs, "ConfigMap").items() if name.startswith("wurao-config")]
    return config["data"][key]


def secret_data(docs: list[dict], prefix: str) -> dict[str, str]:
    (secret,) = [doc for name, doc in objects(docs, "Secret").items() if re.fullmatch(rf"{prefix}(-\w{{10}})?", name)]
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(rendered, overlay):
    skipped = set()
    for doc in rendered[overlay]:
        key = (doc["apiVersion"], doc["kind"])
        if key in CUSTOM_KINDS:
            skipped.add(key)
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {error}")
    assert skipped == set(CUSTOM_KINDS), "a custom kind went missing or a new one needs a check of its own"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_wurao_pods_run_as_a_numeric_non_root_user_read_only_and_without_capabilities(rendered, overlay):
    for name, template in workloads(rendered[overlay]).items():
        pod = template["spec"]["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert isinstance(pod["runAsUser"], int), name
        assert pod["runAsUser"] > 0, name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert template["spec"]["automountServiceAccountToken"] is False, name
        for container in template["spec"]["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_to_a_version(rendered, overlay):
    docs = rendered[overlay]
    images = [c["image"] for t in workloads(docs).values() for c in t["spec"]["containers"]]
    images += [doc["spec"]["imageName"] for doc in objects(docs, "Cluster").values()]
    (failover,) = objects(docs, "RedisFailover").values()
    images += [failover["spec"]["redis"]["image"], failover["spec"]["sentinel"]["image"]]
    for image in images:
        tag = image.split("@")[0].rsplit(":", 1)
        assert len(tag) == 2, f"{image} has no tag"
        assert re.match(r"\d+\.\d+", tag[1]), f"{image} is not pinned to a version"
    for image in images:
        if not image.startswith(("registry.example.gov.cn/wurao/", "nats:")):
            assert re.search(r"@sha256:[0-9a-f]{64}$", image), f"{image}: a third-party image is pinned by digest"


def _secret_refs(template: dict, renamed: dict[str, str]) -> set[str]:
    spec = template["spec"]
    refs = {volume["secret"]["secretName"] for volume in spec.get("volumes", []) if "secret" in volume}
    for container in spec["containers"]:
        refs |= {source["secretRef"]["name"] for source in container.get("envFrom", []) if "secretRef" in source}
        refs |= {
            item["valueFrom"]["secretKeyRef"]["name"]
            for item in container.get("env", [])
            if "secretKeyRef" in item.get("valueFrom", {})
        }
    return {renamed.get(ref, ref) for ref in refs}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_workload_reads_only_its_own_secrets_and_the_gateway_and_web_none(rendered, overlay):
    docs = rendered[overlay]
    renamed = {name: re.sub(r"-\w{10}$", "", name) for name in objects(docs, "Secret")}  # kustomize's hash suffix
    found = {name: _secret_refs(template, renamed) for name, template in workloads(docs).items()}
    expected = {
        "Deployment/wurao-gateway": set(),
        "Deployment/wurao-web": set(),
        "StatefulSet/wurao-nats": {"wurao-nats-users"},
        "Job/wurao-nats-stream": {"wurao-nats-ops"},
    }
    for service in SERVICES:
        expected[f"Deployment/wurao-{service}"] = {f"wurao-{service}", f"wurao-{service}-db-app"}
        expected[f"Job/wurao-{service}-migrate"] = {f"wurao-{service}-db-app"}
    assert found == expected


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_services_secret_holds_only_what_it_reads_with_its_own_nats_user(rendered, overlay):
    docs = rendered[overlay]
    keys = {
        "plan": {"NATS_URL", "CODE_SIGNING_KEY_ID", "code-signing.pem"},
        "inspection": {"NATS_URL", "REDIS_URL"},
        "rectification": {"NATS_URL"},
        "reporting": {"NATS_URL"},
    }
    users = secret_data(docs, "wurao-nats-users")
    for service in SERVICES:
        data = secret_data(docs, f"wurao-{service}")
        assert set(data) == keys[service]
        url = urlsplit(data["NATS_URL"])
        assert (url.username, url.password) == (service, users[password_variable(service)])
    ops = urlsplit(secret_data(docs, "wurao-nats-ops")["NATS_URL"])
    assert (ops.username, ops.password) == ("wurao-ops", users[password_variable("wurao-ops")])
    assert "BEGIN PRIVATE KEY" in secret_data(docs, "wurao-plan")["code-signing.pem"]
    redis = urlsplit(secret_data(docs, "wurao-inspection")["REDIS_URL"])
    assert (redis.hostname, redis.password) == ("rfrm-wurao-caps", secret_data(docs, "wurao-caps-redis")["password"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_replicas_never_migrate_a_job_per_service_does(rendered, overlay):
    docs = rendered[overlay]
    assert config_value(docs, "MIGRATE_ON_START") == "false"
    jobs = objects(docs, "Job")
    for service in SERVICES:
        (container,) = objects(docs, "Deployment")[f"wurao-{service}"]["spec"]["template"]["spec"]["containers"]
        assert any(source["configMapRef"]["name"].startswith("wurao-config") for source in container["envFrom"])
        (job,) = jobs[f"wurao-{service}-migrate"]["spec"]["template"]["spec"]["containers"]
        assert job["command"] == ["python", "-m", f"wurao_{service}.migrate"]
        assert job["image"] == container["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_restart_only_a_dead_process_and_ride_out_a_dependency_blip(rendered, overlay):
    deployments = objects(rendered[overlay], "Deployment")
    for service in SERVICES:
        (container,) = deployments[f"wurao-{service}"]["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"  # checks no dependency
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        readiness = container["readinessProbe"]
        assert readiness["httpGet"]["path"] == "/readyz"
        assert readiness["periodSeconds"] * readiness["failureThreshold"] >= 30, "a short blip unreadies every pod"
    (gateway,) = deployments["wurao-gateway"]["spec"]["template"]["spec"]["containers"]
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthcheck"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_believe_x_forwarded_for_from_the_ingress_controller_only(rendered, overlay):
    """plan limits public code summaries per client: behind the Ingress, uvicorn must believe the controller's
    X-Forwarded-For, and no one else's. `*` made it believe anyone's, and take the first address listed: the one a
    client writes, wherever a proxy appends to the header."""
    deployments = objects(rendered[overlay], "Deployment")
    routed = {
        path["backend"]["service"]["name"]
        for path in objects(rendered[overlay], "Ingress")["wurao"]["spec"]["rules"][0]["http"]["paths"]
    }
    for name in routed - {"wurao-gateway", "wurao-web"}:  # neither limits per client
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert [source["configMapRef"]["name"].startswith("wurao-config") for source in container["envFrom"]] == [True]
        assert "FORWARDED_ALLOW_IPS" not in env_of(container), name  # the shared setting, not one of its own
    proxies = [entry.strip() for entry in config_value(rendered[overlay], "FORWARDED_ALLOW_IPS").split(",")]
    networks = [ipaddress.ip_network(entry) for entry in proxies]  # "*" is no network
    assert all(network.prefixlen > 0 for network in networks), proxies
    assert not all(network.is_loopback for network in networks), "the overlay names the Ingress controller"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_services_log_at_info_in_a_spelling_the_gateways_logger_takes_too(rendered, overlay):
    """Every service reads wurao-config (test_replicas_never_migrate_a_job_per_service_does): an unknown level
    would stop them all at start."""
    level = config_value(rendered[overlay], "LOG_LEVEL")
    assert logs.read_level(Config(environ={"LOG_LEVEL": level})) == logging.INFO
    assert level in ("trace", "debug", "info", "warn", "error")  # Hive Gateway's logger: lower case only


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pools_at_the_autoscalers_maximum_fit_each_databases_connection_limit(rendered, overlay):
    docs = rendered[overlay]
    hpas = objects(docs, "HorizontalPodAutoscaler")
    for service in SERVICES:
        (container,) = objects(docs, "Deployment")[f"wurao-{service}"]["spec"]["template"]["spec"]["containers"]
        pool = int(env_of(container)["DB_POOL_MAX"]["value"])
        replicas = hpas[f"wurao-{service}"]["spec"]["maxReplicas"]
        cluster = objects(docs, "Cluster")[f"wurao-{service}-db"]
        limit = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
        needed = replicas * pool + MIGRATION_JOB_CONNECTIONS + TOOL_CONNECTIONS + OPERATOR_HEADROOM
        assert needed <= limit - SUPERUSER_RESERVED, f"{service}: {replicas} x {pool} + ... = {needed} > {limit}"


def _matches(selector: dict, labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _pods(docs: list[dict]) -> dict[str, dict[str, str]]:
    """The labels of every pod in the namespace: wurao's own, and those the operators create."""
    pods = {name: template["metadata"]["labels"] for name, template in workloads(docs).items()}
    for name in objects(docs, "Cluster"):
        pods[f"postgres/{name}"] = {"cnpg.io/cluster": name}
    for name in objects(docs, "RedisFailover"):
        pods[f"redis/{name}"] = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "redis-failover"}
    return pods


def _allowed_sources(docs: list[dict], target: str, port: int | None = None) -> set[str]:
    """Who may open a connection to `target`'s pods (on `port`, or on any), by the NetworkPolicies (namespaces as
    `namespace/<name>`)."""
    pods = _pods(docs)
    policies = [p for p in objects(docs, "NetworkPolicy").values() if _matches(p["spec"]["podSelector"], pods[target])]
    assert policies, f"no NetworkPolicy selects {target}"
    sources = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            if port is not None and "ports" in rule and port not in {opened["port"] for opened in rule["ports"]}:
                continue
            for peer in rule["from"]:
                if "namespaceSelector" in peer:
                    sources.add("namespace/" + peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
                else:
                    sources |= {name for name, labels in pods.items() if _matches(peer["podSelector"], labels)}
    return sources


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_only_who_needs_it_reach_each_part(rendered, overlay):
    docs = rendered[overlay]
    deny = objects(docs, "NetworkPolicy")["default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    edge = "namespace/ingress-nginx"
    assert _allowed_sources(docs, "Deployment/wurao-gateway") == {edge}
    assert _allowed_sources(docs, "Deployment/wurao-web") == {edge}
    public = {"plan", "reporting"}  # the web origin's documented public paths (ingress.yaml)
    for service in SERVICES:
        expected = {"Deployment/wurao-gateway"} | ({edge} if service in public else set())
        assert _allowed_sources(docs, f"Deployment/wurao-{service}", 8000) == expected, service
        assert _allowed_sources(docs, f"Deployment/wurao-{service}", 9100) == {"namespace/monitoring"}, service
        assert _allowed_sources(docs, f"Deployment/wurao-{service}") == expected | {"namespace/monitoring"}, service
        assert _allowed_sources(docs, f"postgres/wurao-{service}-db") == {
            f"Deployment/wurao-{service}",
            f"Job/wurao-{service}-migrate",
            f"postgres/wurao-{service}-db",
            "namespace/cnpg-system",
        }
    assert _allowed_sources(docs, "StatefulSet/wurao-nats") == {
        *(f"Deployment/wurao-{service}" for service in SERVICES),
        "StatefulSet/wurao-nats",
        "Job/wurao-nats-stream",
    }
    assert _allowed_sources(docs, "redis/wurao-caps") == {
        "Deployment/wurao-inspection",
        "redis/wurao-caps",
        "namespace/redis-operator",
    }


def _nats_config(docs: list[dict]) -> dict[str, str]:
    (config,) = [doc for name, doc in objects(docs, "ConfigMap").items() if name.startswith("wurao-nats-config")]
    return config["data"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_is_a_three_server_jetstream_cluster_that_fsyncs_every_write(rendered, overlay):
    docs = rendered[overlay]
    nats = objects(docs, "StatefulSet")["wurao-nats"]
    assert nats["spec"]["replicas"] == 3
    (container,) = nats["spec"]["template"]["spec"]["containers"]
    version = tuple(int(part) for part in re.match(r"nats:(\d+)\.(\d+)\.(\d+)", container["image"]).groups())
    assert version >= (2, 12, 3), "Jepsen: servers before 2.12.3 lose acknowledged writes"
    conf = _nats_config(docs)["nats.conf"]
    assert re.search(r"^\s*sync_interval: always$", conf, re.MULTILINE)
    assert len(re.findall(r"nats://wurao-nats-\d\.wurao-nats-headless:6222", conf)) == 3
    assert config_value(docs, "NATS_STREAM_REPLICAS") == "3"
    assert objects(docs, "PodDisruptionBudget")["wurao-nats"]["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_clusters_nats_users_are_the_platforms_bus_users_each_with_a_password_from_the_secret(rendered, overlay):
    """nats-users.conf is generated from wurao_devstack.bus (the users `make run` and the tests run with)."""
    committed = (K8S / "base" / "nats-users.conf").read_text()
    assert committed == nats_users(), (
        "deploy/k8s/base/nats-users.conf drifted: `python -m wurao_devstack.k8s nats-users`"
    )
    docs = rendered[overlay]
    conf = _nats_config(docs)["nats-users.conf"]
    assert conf == committed
    users = dict(re.findall(r'user: "([^"]+)", password: \$(\w+)', conf))
    assert set(users) == set(bus.user_names())
    assert set(users.values()) == set(secret_data(docs, "wurao-nats-users")), "a user without its password"
    for service in SERVICES:
        allowed = re.search(rf'user: "{service}".*?publish: {{ allow: (\[.*?\]) }}', conf, re.DOTALL).group(1)
        events = [subject for subject in yaml.safe_load(allowed) if not subject.startswith("$JS.")]
        assert events == [f"wurao.{service}.>"], service


def test_the_real_nats_server_accepts_the_rendered_configuration(rendered, tmp_path):
    docs = rendered["production"]
    for name, text in _nats_config(docs).items():
        (tmp_path / name).write_text(text)
    conf = tmp_path / "nats.conf"
    env = {**os.environ, "SERVER_NAME": "wurao-nats-0", **secret_data(docs, "wurao-nats-users")}
    server = shutil.which("nats-server", path=str(Path(sys.executable).parent))
    result = subprocess.run([server, "-t", "-c", conf], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    env.pop("PLAN_NATS_PASSWORD")
    missing = subprocess.run([server, "-t", "-c", conf], env=env, capture_output=True, text=True, check=False)
    assert missing.returncode != 0
    assert "PLAN_NATS_PASSWORD" in missing.stdout + missing.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_own_database_in_a_replicated_cloudnativepg_cluster(rendered, overlay):
    clusters = objects(rendered[overlay], "Cluster")
    assert set(clusters) == {f"wurao-{service}-db" for service in SERVICES}
    for service in SERVICES:
        spec = clusters[f"wurao-{service}-db"]["spec"]
        assert spec["bootstrap"]["initdb"] == {"database": service, "owner": service}
        assert spec["instances"] >= 2
        assert spec["postgresql"]["synchronous"] == {"method": "any", "number": 1}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_redis_fails_over_with_sentinel_and_keeps_nothing_on_disk(rendered, overlay):
    (failover,) = objects(rendered[overlay], "RedisFailover").values()
    spec = failover["spec"]
    assert spec["sentinel"]["replicas"] == 3
    assert spec["redis"]["replicas"] == 3
    assert {'save ""', "appendonly no"} <= set(spec["redis"]["customConfig"])
    assert spec["auth"]["secretPath"] == "wurao-caps-redis"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_edge_is_tls_only_the_gateway_survives_drains_and_everything_autoscales(rendered, overlay):
    docs = rendered[overlay]
    (ingress,) = objects(docs, "Ingress").values()
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    assert hosts <= {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    gateway_pods = objects(docs, "Deployment")["wurao-gateway"]["spec"]["template"]["metadata"]["labels"]
    budget = objects(docs, "PodDisruptionBudget")["wurao-gateway"]["spec"]
    assert _matches(budget["selector"], gateway_pods)
    assert budget["minAvailable"] >= 1
    hpas = objects(docs, "HorizontalPodAutoscaler")
    for name in objects(docs, "Deployment"):
        assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name
        assert hpas[name]["spec"]["minReplicas"] >= 2


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_edge_routes_every_page_to_the_web_app_and_the_apis_to_their_services(rendered, overlay):
    """A QR code opens https://<host>/s/<code>: with no route for it, the scan page was the Ingress's 404."""
    (ingress,) = objects(rendered[overlay], "Ingress").values()
    routes = {path["path"]: path["backend"]["service"]["name"] for path in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert routes == {
        "/graphql": "wurao-gateway",
        "/.well-known/code-keys.json": "wurao-plan",
        "/public/codes": "wurao-plan",
        "/figures": "wurao-reporting",
        "/": "wurao-web",
    }
    (web,) = objects(rendered[overlay], "Deployment")["wurao-web"]["spec"]["template"]["spec"]["containers"]
    assert web["image"].startswith("registry.example.gov.cn/wurao/web:")
    for holding in ("env", "envFrom", "volumeMounts"):  # it holds no setting, no secret, no key
        assert not web.get(holding), holding
