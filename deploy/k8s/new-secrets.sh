#!/bin/sh
# Writes the secrets an overlay's kustomization generates Secrets from, into <overlay>/secrets/ (git ignores it):
# a random password per NATS user and for Redis, each service's NATS_URL (and inspection's REDIS_URL) with its
# own password, plan's Ed25519 code-signing key. Run once per environment; rotation: deploy/k8s/README.md.
# The identity provider's public key(s) go beside them by hand: <overlay>/secrets/jwt-public.pem.
set -eu
overlay="${1:?usage: deploy/k8s/new-secrets.sh deploy/k8s/overlays/<environment>}"
secrets="$overlay/secrets"
if [ -e "$secrets/nats-users.env" ]; then
    echo "$secrets already holds secrets; rotate them one at a time (deploy/k8s/README.md)" >&2
    exit 1
fi
umask 077
mkdir -p "$secrets"
password() { openssl rand -hex 24; }  # hex: safe inside a URL without escaping

redis_password=$(password)
printf 'password=%s\n' "$redis_password" > "$secrets/redis.env"
: > "$secrets/nats-users.env"
for service in plan inspection rectification reporting; do
    nats_password=$(password)
    upper=$(echo "$service" | tr 'a-z' 'A-Z')
    printf '%s_NATS_PASSWORD=%s\n' "$upper" "$nats_password" >> "$secrets/nats-users.env"
    printf 'NATS_URL=nats://%s:%s@wurao-nats:4222\n' "$service" "$nats_password" > "$secrets/$service.env"
done
printf 'REDIS_URL=redis://:%s@rfrm-wurao-caps:6379/0\n' "$redis_password" >> "$secrets/inspection.env"
printf 'CODE_SIGNING_KEY_ID=1\n' >> "$secrets/plan.env"
openssl genpkey -algorithm ed25519 -out "$secrets/code-signing.pem" 2>/dev/null
echo "wrote $secrets; now put the identity provider's public key(s) in $secrets/jwt-public.pem"
