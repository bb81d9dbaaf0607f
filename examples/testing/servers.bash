# Helpers for the shell tests test/integration/examples_*.sh: start coordd or real etcd (v2 on)
# on a free loopback port in a temp dir, wait until it serves, stop it. Source, don't run.
#   start_server KIND   -> sets SERVER_URL, SERVER_PID, SERVER_DIR (KIND: coordd | etcd)
#   stop_server         -> SIGKILL + cleanup
#   wait_for SECONDS CMD... -> polls CMD every 50 ms until it succeeds; fails after SECONDS

free_port() {
  # A port below the ephemeral range (32768-60999) that nothing listens on; pure bash.
  local p
  while true; do
    p=$(( RANDOM % 12000 + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

server_binary() {
  case "$1" in
    coordd) echo "${COORDD:-}" ;;
    etcd) echo "${ETCD:-/usr/bin/etcd}" ;;
  esac
}

start_server() {
  local kind=$1 bin cport pport
  bin=$(server_binary "$kind")
  [ -x "$bin" ] || { echo "no $kind binary ($bin)"; return 1; }
  SERVER_DIR=$(mktemp -d /tmp/coord-examples-XXXXXX)
  cport=$(free_port); pport=$(free_port)
  SERVER_URL="http://127.0.0.1:$cport"
  local args=(--name m0 --data-dir "$SERVER_DIR/data" --listen-client-urls "$SERVER_URL"
              --advertise-client-urls "$SERVER_URL" --listen-peer-urls "http://127.0.0.1:$pport"
              --initial-advertise-peer-urls "http://127.0.0.1:$pport"
              --initial-cluster "m0=http://127.0.0.1:$pport" --heartbeat-interval 100 --election-timeout 1000)
  [ "$kind" = etcd ] && args+=(--enable-v2=true)
  "$bin" "${args[@]}" >"$SERVER_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for 20 curl -sf "$SERVER_URL/v2/keys/" -o /dev/null || { tail -20 "$SERVER_DIR/server.log"; return 1; }
}

stop_server() {
  [ -n "${SERVER_PID:-}" ] && kill -9 "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "${SERVER_DIR:-}" ] && rm -rf "$SERVER_DIR"
  SERVER_PID=; SERVER_DIR=
  return 0
}

wait_for() {
  local seconds=$1; shift
  local deadline=$(( $(date +%s%N) + seconds * 1000000000 ))
  until "$@"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
