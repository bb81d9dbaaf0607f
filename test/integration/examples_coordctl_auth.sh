#!/usr/bin/env bash
# coordctl's auth commands and TLS/auth flags against etcdctl v2.
#  1. The same script of auth, user and role commands (errors included, passwords given as
#     USER:PASS and typed at the prompt, keys refused and allowed under auth) runs with etcdctl
#     on a fresh etcd, with coordctl on a fresh etcd and with coordctl on a fresh coordd; the
#     transcripts (output and exit codes) must be identical.
#  2. member list and cluster-health over https (etcd with a server certificate that requires
#     client certificates): coordctl with --ca-file/--cert-file/--key-file prints what etcdctl
#     prints; without the client certificate or the CA both fail.
# Skips the etcdctl legs when etcdctl is not installed, and part 2 when openssl is missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
work=$(mktemp -d)
tls_pid=
trap 'stop_server; [ -n "$tls_pid" ] && { kill -9 "$tls_pid"; wait "$tls_pid"; } 2>/dev/null; rm -rf "$work"' EXIT
fail=0
export ETCDCTL_API=2

script() {  # CTL: prints a transcript of outputs and exit codes
  local ctl=$1
  run() { echo "\$ $*"; "$ctl" --endpoints "$SERVER_URL" "$@" 2>&1; echo "rc=$?"; }
  typed() { local input=$1; shift; echo "\$ $* <<< (typed)"; printf '%s\n' "$input" | "$ctl" --endpoints "$SERVER_URL" "$@" 2>&1; echo "rc=$?"; }
  run auth enable
  run user add root:rootpw
  run user add bob:bobpw
  run user list
  run user get bob
  run role add reader
  run role add reader
  run role list
  run role grant reader --path '/foo/*' --read
  run role grant reader --path '/foo/*' --read
  run role grant reader --path 'foo//x' --write
  run role grant reader --path '/foo/*'
  run role get reader
  run role get nope
  run user grant bob --roles reader
  run user grant bob --roles reader
  run user revoke bob --roles nope
  run user get bob
  run user grant bob
  run user get
  run set /foo/x 1
  run auth enable
  run auth enable
  run user list
  run -u root:wrong user list
  run -u bob:bobpw user list
  run -u root:rootpw user list
  typed rootpw -u root role list
  run -u root:rootpw role revoke guest --path '/*' --readwrite
  run get /foo/x
  run -u bob:bobpw get /foo/x
  run -u bob:bobpw set /foo/x 2
  run -u root:rootpw role grant reader --path '/foo/*' --write
  run -u bob:bobpw set /foo/x 3
  typed bobpw2 -u root:rootpw user passwd bob
  run -u bob:bobpw get /foo/x
  run -u bob:bobpw2 get /foo/x
  run -u root:rootpw user revoke bob --roles reader
  run -u bob:bobpw2 get /foo/x
  run -u root:rootpw user remove root
  run -u root:rootpw role remove reader
  run -u root:rootpw role get reader
  typed carolpw -u root:rootpw user add carol
  run -u carol:carolpw get /foo/x
  run -u root:rootpw auth disable
  run auth disable
  run get /foo/x
  run user remove bob
  run user remove bob
  run auth enable extra
  run role list extra
}

# The prompt turns terminal echo off; etcdctl does it through stty, which complains (on stderr,
# in the middle of the prompt line) when stdin is a pipe. Its complaints and the empty lines
# they leave are dropped from every transcript.
clean() { sed -e "s/stty: 'standard input': Inappropriate ioctl for device//g" "$1" | sed '/^$/d' >"$1.clean"; }

transcript() {  # KIND CTL OUT
  start_server "$1" || { echo "FAIL: cannot start $1"; fail=1; return 1; }
  script "$2" >"$3"
  clean "$3"
  stop_server
}

ctl_etcd=$(command -v etcdctl || true)
transcript etcd "$bin/coordctl" "$work/coordctl-etcd.txt"
transcript coordd "$bin/coordctl" "$work/coordctl-coordd.txt"
if [ -n "$ctl_etcd" ]; then
  transcript etcd "$ctl_etcd" "$work/etcdctl-etcd.txt"
  if diff "$work/etcdctl-etcd.txt.clean" "$work/coordctl-etcd.txt.clean"; then
    echo "ok   coordctl auth output = etcdctl output on etcd ($(grep -c '^\$' "$work/etcdctl-etcd.txt") commands)"
  else
    echo "FAIL coordctl auth commands differ from etcdctl (above: < etcdctl, > coordctl)"; fail=1
  fi
fi
# The script must have exercised what it claims: a refusal and an allowed read under auth.
if diff "$work/coordctl-etcd.txt.clean" "$work/coordctl-coordd.txt.clean" &&
   grep -q '^Error:  110: The request requires user authentication' "$work/coordctl-coordd.txt" &&
   grep -q '^Authentication Enabled$' "$work/coordctl-coordd.txt"; then
  echo "ok   coordctl auth commands on coordd = on etcd"
else
  echo "FAIL coordctl auth commands on coordd differ from etcd (< etcd, > coordd)"; fail=1
fi

# ---- 2. https: member list and cluster-health with a CA and a client certificate.
if ! command -v openssl >/dev/null; then
  echo "skip https leg: no openssl"
  exit $fail
fi
tls=$work/tls
mkdir -p "$tls"
(
  cd "$tls" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=coord-test-ca
  for who in server client; do
    openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj /CN=$who
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%s\n' "$([ $who = server ] && echo serverAuth || echo clientAuth)" >$who.ext
    openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 2 -extfile $who.ext
  done
) >"$work/openssl.log" 2>&1 || { echo "FAIL: openssl could not make the test certificates"; cat "$work/openssl.log"; exit 1; }
cport=$(free_port); pport=$(free_port)
url="https://127.0.0.1:$cport"
"$(server_binary etcd)" --name m0 --data-dir "$work/tls-data" --enable-v2=true \
  --listen-client-urls "$url" --advertise-client-urls "$url" \
  --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
  --initial-cluster "m0=http://127.0.0.1:$pport" \
  --cert-file "$tls/server.pem" --key-file "$tls/server.key" --client-cert-auth --trusted-ca-file "$tls/ca.pem" \
  >"$work/tls-etcd.log" 2>&1 &
tls_pid=$!
certs=(--ca-file "$tls/ca.pem" --cert-file "$tls/client.pem" --key-file "$tls/client.key")
wait_for 20 "$bin/coordctl" --endpoints "$url" "${certs[@]}" cluster-health >/dev/null 2>&1 ||
  { echo "FAIL: etcd over https never became healthy"; tail -5 "$work/tls-etcd.log"; exit 1; }
tls_script() {  # CTL
  for cmd in "member list" "cluster-health"; do
    echo "\$ $cmd"
    # shellcheck disable=SC2086
    "$1" --endpoints "$url" "${certs[@]}" $cmd 2>&1
    echo "rc=$?"
  done
}
tls_script "$bin/coordctl" >"$work/tls-coordctl.txt"
if ! grep -q "^cluster is healthy$" "$work/tls-coordctl.txt" || ! grep -q "isLeader=true" "$work/tls-coordctl.txt"; then
  echo "FAIL coordctl over https:"; cat "$work/tls-coordctl.txt"; fail=1
elif [ -n "$ctl_etcd" ] && ! tls_script "$ctl_etcd" | diff - "$work/tls-coordctl.txt"; then
  echo "FAIL coordctl over https differs from etcdctl (< etcdctl, > coordctl)"; fail=1
else
  echo "ok   member list and cluster-health over https = etcdctl's"
fi
# Without a client certificate, or without the CA that signed the server's, the server is
# unreachable for both.
for args in "--ca-file $tls/ca.pem" "--cert-file $tls/client.pem --key-file $tls/client.key"; do
  # shellcheck disable=SC2086
  if "$bin/coordctl" --endpoints "$url" $args member list >/dev/null 2>&1; then
    echo "FAIL coordctl member list succeeded over https with only: $args"; fail=1
  fi
done
[ $fail = 0 ] && echo "ok   https refused without the client certificate or the CA"
exit $fail
