#!/bin/sh
# Writes the secrets docker-compose.yml reads (./secrets/ by default, SECRETS_DIR otherwise), each
# only if it is missing, so running it again changes nothing. Keep the directory out of git and
# backed up: losing payload_keys makes every workflow history unreadable.
set -eu
dir=${SECRETS_DIR:-secrets}
mkdir -p "$dir"
chmod 700 "$dir"
put() { [ -s "$dir/$1" ] || { (umask 077; printf '%s\n' "$2" > "$dir/$1"); echo "wrote $dir/$1"; }; }
hex() { openssl rand -hex "$1"; }

put postgres_password "$(hex 24)"
put temporal_db_password "$(hex 24)"
put rehab_owner_url "postgres://rehab_owner:$(hex 24)@postgresql:5432/rehab"
put rehab_app_url "postgres://rehab_app:$(hex 24)@postgresql:5432/rehab"
put token_secret "$(openssl rand -base64 48)"
# The audit chain's HMAC key: keep it apart from the database backups, or the chain cannot be verified.
put audit_key "$(openssl rand -base64 48)"
put payload_keys "k$(date +%Y%m%d):$(openssl rand -base64 32)"
