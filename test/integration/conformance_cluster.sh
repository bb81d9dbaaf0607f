#!/usr/bin/env bash
# The etcd v2 conformance probe against member 1 of a fresh 3-member coordd cluster.
exec env COORD_CONFORMANCE_MEMBERS=3 bash "$(dirname "$0")/conformance.sh"
