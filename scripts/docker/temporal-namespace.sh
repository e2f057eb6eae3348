#!/bin/sh
# One-shot (temporalio/admin-tools), once the Temporal server answers: the `default` namespace and
# the search attributes the case workflows set (workflows/search-attributes.ts). Safe to rerun.
set -u
cli='--address temporal:7233'
tries=0
until temporal operator cluster health $cli > /dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then echo 'Temporal did not answer within 5 minutes' >&2; exit 1; fi
  echo 'waiting for Temporal...'
  sleep 5
done
temporal operator namespace describe $cli --namespace default > /dev/null 2>&1 ||
  temporal operator namespace create $cli --namespace default --retention 30d
for attribute in CasePhase:Keyword CaseTier:Keyword CaseJurisdiction:Keyword CaseAssignee:Keyword CaseNextDueAt:Datetime; do
  temporal operator search-attribute create $cli --namespace default --name "${attribute%%:*}" --type "${attribute#*:}" || true
done
registered=$(temporal operator search-attribute list $cli --namespace default)
for name in CasePhase CaseTier CaseJurisdiction CaseAssignee CaseNextDueAt; do
  echo "$registered" | grep -qw "$name" || { echo "search attribute $name is missing" >&2; exit 1; }
done
echo 'namespace and search attributes registered'
