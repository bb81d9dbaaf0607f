#!/usr/bin/env bash
# The dashboard (/ui/) in a real browser: headless Chromium driven through chromedriver's W3C
# WebDriver HTTP API with curl and jq. A single-member coordd gets two service instances, a held
# lock and a finished task from the example programs (so the keys are in the recipes' real
# layouts), a running task written with curl in the documented layout
# (recipes/include/coord/recipes/key_layouts.hpp) and a key with a hostile name; then the page
# must show the member and its leader, both instances, the lock's holder and fencing token and
# the progress bars' values; a key edited and deleted through the page reads back with curl; PUTs
# made with curl appear in the live-events view, also after a pause and resume; the hostile key
# is shown as text; the page fits a phone's width; with v2 auth on, the page asks for credentials
# and sends them; /ui/api/raft answers this member's replication status. /ui/ and /ui/api/raft are
# 404 with --enable-ui=false. Every wait polls a condition with a deadline. Screenshots of each
# view go to $DASHBOARD_SCREENSHOTS (default: bin/test-output/dashboard/ of the checkout, which
# outlives the run: the test's output).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
chromium=${CHROMIUM:-/usr/bin/chromium}
chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}
for tool in "$chromium" "$chromedriver"; do
  [ -x "$tool" ] || { echo "FAIL: $tool not found (bash .ci/setup --test installs chromium and chromium-driver)"; exit 1; }
done

work=$(mktemp -d /tmp/coord-dashboard-XXXXXX)
shots=${DASHBOARD_SCREENSHOTS:-$here/../../bin/test-output/dashboard}
mkdir -p "$shots" && shots=$(cd "$shots" && pwd)
echo "screenshots: $shots"
fail=0
pids=()          # helper processes (examples, the second coordd)
driver_pid=
session=

cleanup() {
  [ -n "$session" ] && curl -s -m 5 -X DELETE "$WD/session/$session" -o /dev/null
  if [ -n "$driver_pid" ]; then
    pkill -TERM -P "$driver_pid" 2>/dev/null  # the browser, if the session did not close it
    kill "$driver_pid" 2>/dev/null && wait "$driver_pid" 2>/dev/null
  fi
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# ------------------------------------------------------------------ WebDriver over curl

wd() {  # METHOD PATH [JSON]: a command of the session; prints the answer's JSON
  if [ $# -ge 3 ]; then
    curl -s -m 30 -X "$1" "$WD/session/$session$2" -H 'Content-Type: application/json' -d "$3"
  else
    curl -s -m 30 -X "$1" "$WD/session/$session$2"
  fi
}
js() {  # SCRIPT [ARG...]: runs SCRIPT (a function body; string arguments) in the page; prints its value as JSON
  local script=$1; shift
  wd POST /execute/sync "$(jq -cn --arg s "$script" '{script: $s, args: $ARGS.positional}' --args "$@")" | jq -c .value
}
js_true() { [ "$(js "$@")" = true ]; }
wait_page() {  # SECONDS WHAT SCRIPT [ARG...]: waits until SCRIPT returns true
  local seconds=$1 what=$2; shift 2
  if wait_for "$seconds" js_true "$@"; then ok "$what"; else bad "$what"; return 1; fi
}
element() {  # CSS: the element id of the first match
  wd POST /element "$(jq -cn --arg v "$1" '{using: "css selector", value: $v}')" | jq -r '.value["element-6066-11e4-a52e-4f735466cecf"] // empty'
}
click() { wd POST "/element/$(element "$1")/click" '{}' >/dev/null; }
type_into() {  # CSS TEXT: clears the field and types TEXT
  local id
  id=$(element "$1")
  wd POST "/element/$id/clear" '{}' >/dev/null
  wd POST "/element/$id/value" "$(jq -cn --arg t "$2" '{text: $t}')" >/dev/null
}
open_view() { wd POST /url "$(jq -cn --arg u "$SERVER_URL/ui/#$1" '{url: $u}')" >/dev/null; }
screenshot() { wd GET /screenshot | jq -r .value | base64 -d >"$shots/$1.png"; }

curl_value() { curl -s "$SERVER_URL/v2/keys$1" | jq -r '.node.value // .errorCode'; }

# ------------------------------------------------------------------ the server and the browser

start_server coordd || { echo "FAIL: could not start coordd"; exit 1; }
driver_port=$(free_port)
WD="http://127.0.0.1:$driver_port"
"$chromedriver" --port="$driver_port" >"$work/chromedriver.log" 2>&1 &
driver_pid=$!

# The recipes, through the example programs (their real layouts), while the browser starts.
"$bin/service_registration" --endpoints "$SERVER_URL" --service web --id web-1 --endpoint 127.0.0.1:8081 \
    --ttl 30 --weight 2 >"$work/web-1.out" 2>&1 &
pids+=($!)
"$bin/service_registration" --endpoints "$SERVER_URL" --service web --id web-2 --endpoint 127.0.0.1:8082 \
    --ttl 30 >"$work/web-2.out" 2>&1 &
pids+=($!)
"$bin/exclusive_lock" --endpoints "$SERVER_URL" --name dash-lock --counter /t/dash/counter --increments 1 \
    --ttl 30 --hold-seconds 120 >"$work/lock.out" 2>&1 &
pids+=($!)
# A fair lock with a holder and a waiter queued behind it.
"$bin/exclusive_lock" --endpoints "$SERVER_URL" --sequenced --name dash-qlock --counter /t/dash/qcounter \
    --increments 1 --ttl 30 --hold-seconds 120 >"$work/qlock-1.out" 2>&1 &
pids+=($!)
"$bin/leader_election" --endpoints "$SERVER_URL" --election dash-election campaign node-a --lead-seconds 120 \
    >"$work/election.out" 2>&1 &
pids+=($!)
"$bin/task_progress" --endpoints "$SERVER_URL" --job nightly work t1 --steps 4 --step-ms 20 >"$work/task.out" 2>&1 &
pids+=($!)
# A running task at 42 %, in TaskProgress's documented layout.
curl -s -X PUT "$SERVER_URL/v2/keys/coord/jobs/nightly/t2" -d ttl=120 \
    --data-urlencode 'value={"state":"running","fraction":0.42,"message":"step 42","worker":"curl-worker","seq":42,"token":"t2-token"}' -o /dev/null
# A work queue with two items, in WorkQueue's layout (push() is a POST under items/).
for item in first second; do
  curl -s -X POST "$SERVER_URL/v2/keys/coord/workqueues/dash-queue/items" -d value=$item -o /dev/null
done
# A key to edit, one to delete, and a key whose name is markup.
hostile='<img src=x onerror=window.pwned=1>'
hostile_path=$(jq -rn --arg k "$hostile" '$k | @uri')
curl -s -X PUT "$SERVER_URL/v2/keys/dash/edit" -d value=before -o /dev/null
curl -s -X PUT "$SERVER_URL/v2/keys/dash/doomed" -d value=x -o /dev/null
curl -s -X PUT "$SERVER_URL/v2/keys/hostile/$hostile_path" --data-urlencode 'value=<script>window.pwned=2</script>' -o /dev/null

wait_for 20 curl -sf "$WD/status" -o /dev/null || { bad "chromedriver did not start"; cat "$work/chromedriver.log"; exit 1; }
caps=$(jq -cn --arg bin "$chromium" --arg profile "$work/profile" '{capabilities: {alwaysMatch: {
  browserName: "chrome",
  "goog:chromeOptions": {binary: $bin, args: ["--headless=new", "--no-sandbox", "--disable-gpu",
    "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,900", ("--user-data-dir=" + $profile)]}}}}')
session=$(curl -s -m 60 -X POST "$WD/session" -H 'Content-Type: application/json' -d "$caps" | jq -r '.value.sessionId // empty')
[ -n "$session" ] || { bad "no WebDriver session"; tail -20 "$work/chromedriver.log"; exit 1; }

wait_for 15 grep -q registered "$work/web-1.out" && wait_for 15 grep -q registered "$work/web-2.out" || bad "instances did not register"
wait_for 15 grep -q holding "$work/lock.out" || bad "the lock was not taken"
wait_for 15 grep -q "is leader" "$work/election.out" || bad "no election leader"
wait_for 15 grep -q holding "$work/qlock-1.out" || bad "the sequenced lock was not taken"
"$bin/exclusive_lock" --endpoints "$SERVER_URL" --sequenced --name dash-qlock --counter /t/dash/qcounter \
    --increments 1 --ttl 30 >"$work/qlock-2.out" 2>&1 &
pids+=($!)
qwaiters() { [ "$(curl -s "$SERVER_URL/v2/keys/coord/qlocks/dash-qlock?sorted=true" | jq '.node.nodes | length')" = 2 ]; }
wait_for 15 qwaiters || bad "the second sequenced lock did not queue"
qlock_entries=$(curl -s "$SERVER_URL/v2/keys/coord/qlocks/dash-qlock" | jq -c '.node.nodes | sort_by(.createdIndex) | map(.value)')
wait_for 15 grep -q finished "$work/task.out" || bad "the task did not finish"
lock_node=$(curl -s "$SERVER_URL/v2/keys/coord/locks/dash-lock")
lock_holder=$(jq -r .node.value <<<"$lock_node")
lock_token=$(jq -r .node.createdIndex <<<"$lock_node")
grep -q "^token=$lock_token " "$work/lock.out" || bad "the lock's key does not carry the example's fencing token"

# ------------------------------------------------------------------ cluster view

open_view cluster
wait_page 10 "cluster: 1 member, leader m0, healthy" \
  'return document.getElementById("member-count").textContent === "1"
      && document.getElementById("leader-name").textContent === "m0"
      && document.getElementById("health").textContent === "healthy"
      && document.querySelectorAll("#members tbody tr .badge.leader").length === 1
      && /^[0-9]+$/.test(document.getElementById("raft-index").textContent)'
screenshot cluster

# ------------------------------------------------------------------ recipes view

open_view recipes
wait_page 10 "recipes: both instances with their endpoints and weights" \
  'const rows = [...document.querySelectorAll("#services tr.service-instance")].map(r =>
     r.querySelector(".instance-id").textContent + "@" + r.querySelector(".endpoint").textContent + "/" + r.querySelector(".weight").textContent);
   return rows.join(" ") === "web-1@127.0.0.1:8081/2 web-2@127.0.0.1:8082/1"'
wait_page 5 "recipes: the lock's holder and fencing token ($lock_token)" \
  'const r = document.querySelector("#locks tr.lock[data-key=\"/coord/locks/dash-lock\"]");
   return !!r && r.querySelector(".holder").textContent === arguments[0] && r.querySelector(".token").textContent === arguments[1]' \
  "$lock_holder" "$lock_token"
wait_page 5 "recipes: progress bars at 100 % (succeeded) and 42 % (running)" \
  'const bar = k => document.querySelector("#tasks tr.task[data-key=\"" + k + "\"]");
   const t1 = bar("/coord/jobs/nightly/t1"), t2 = bar("/coord/jobs/nightly/t2");
   return !!t1 && !!t2 && t1.querySelector("progress").value === 1 && t1.querySelector(".state").textContent === "succeeded"
       && t2.querySelector("progress").value === 0.42 && t2.querySelector(".pct").textContent === "42%"
       && t2.textContent.includes("curl-worker")'
wait_page 5 "recipes: the sequenced lock's holder and its waiter in order" \
  'const r = document.querySelector("#locks tr.lock[data-key=\"/coord/qlocks/dash-qlock\"]"), e = JSON.parse(arguments[0]);
   return !!r && r.querySelector(".holder").textContent === e[0]
       && [...r.querySelectorAll("ol.queue li")].map(li => li.textContent.replace(/ \(#[0-9]+\)$/, "")).join() === e[1]' \
  "$qlock_entries"
wait_page 5 "recipes: the work queue's depth" \
  'const r = document.querySelector("#queues tr.queue[data-key=\"/coord/workqueues/dash-queue\"]");
   return !!r && r.querySelector(".depth").textContent === "2"'
wait_page 5 "recipes: the election's leader" \
  'const r = document.querySelector("#elections tr.election");
   return !!r && r.querySelector(".leader").textContent === "node-a"'
screenshot recipes

# ------------------------------------------------------------------ keys view

open_view keys
type_into "#goto-key" "/dash/edit"
click "#goto-form button"
wait_page 5 "keys: /dash/edit opens with its value" \
  'return document.getElementById("node-key").textContent === "/dash/edit" && document.getElementById("edit-value").value === "before"'
type_into "#edit-value" "after, from the page"
click "#save-node"
if wait_for 5 bash -c "[ \"\$(curl -s '$SERVER_URL/v2/keys/dash/edit' | jq -r .node.value)\" = 'after, from the page' ]"; then
  ok "keys: the value saved in the page reads back with curl"
else
  bad "keys: curl reads '$(curl_value /dash/edit)' after the edit"
fi
type_into "#goto-key" "/dash/doomed"
click "#goto-form button"
wait_page 5 "keys: /dash/doomed opens" 'return document.getElementById("node-key").textContent === "/dash/doomed"'
click "#delete-node"
wait_page 5 "keys: delete asks for confirmation" 'return document.getElementById("confirm-dialog").open'
click "#confirm-ok"
if wait_for 5 bash -c "[ \"\$(curl -s '$SERVER_URL/v2/keys/dash/doomed' | jq -r .errorCode)\" = 100 ]"; then
  ok "keys: the key deleted after confirmation is gone"
else
  bad "keys: /dash/doomed still there"
fi
type_into "#goto-key" "/hostile/$hostile"
click "#goto-form button"
wait_page 5 "keys: the hostile key name and value are shown as text" \
  'const button = [...document.querySelectorAll("#tree button")].find(b => b.dataset.key === "/hostile/" + arguments[0]);
   return !!button && button.textContent === arguments[0]
       && document.getElementById("node-key").textContent === "/hostile/" + arguments[0]
       && document.getElementById("edit-value").value === "<script>window.pwned=2</script>"
       && document.querySelectorAll("img, script:not([src])").length === 0 && window.pwned === undefined' \
  "$hostile"
screenshot keys

# ------------------------------------------------------------------ live events view

open_view events
type_into "#events-prefix" "/live"
click "#events-start"
wait_page 5 "events: the watch is open" 'return document.getElementById("events-state").textContent.startsWith("watching /live")'
curl -s -X PUT "$SERVER_URL/v2/keys/live/a" -d value=one -o /dev/null
curl -s -X PUT "$SERVER_URL/v2/keys/live/a" -d value=two -o /dev/null
wait_page 5 "events: the PUTs made with curl appear (set, one -> two)" \
  'const rows = [...document.querySelectorAll("#events tbody tr[data-key=\"/live/a\"]")].map(r => [...r.cells].map(c => c.textContent).slice(1).join("|"));
   return rows.join(" ; ") === "set|/live/a|one|→|two ; set|/live/a|||one"'
click "#events-pause"
wait_page 5 "events: paused" 'return document.getElementById("events-state").textContent.startsWith("paused")'
curl -s -X PUT "$SERVER_URL/v2/keys/live/b" -d value=while-paused -o /dev/null
click "#events-resume"
wait_page 5 "events: resuming from the last index shows the PUT made while paused" \
  'return [...document.querySelectorAll("#events tbody tr[data-key=\"/live/b\"]")].length === 1
      && document.querySelector("#events tbody tr[data-key=\"/live/b\"]").cells[5].textContent === "while-paused"'
screenshot events

# ------------------------------------------------------------------ plain HTTP checks

status=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$SERVER_URL/ui")
[ "$status" = "301 $SERVER_URL/ui/" ] && ok "/ui redirects to /ui/" || bad "/ui answered '$status'"
body=$(curl -s -w ' %{http_code}' "$SERVER_URL/ui/nope.js")
[ "$body" = $'404 page not found\n 404' ] && ok "an unknown asset gets 404" || bad "/ui/nope.js answered '$body'"
# The replication status the Cluster view's Lag column reads: a single member leads itself and
# has no followers (test/integration/dashboard_raft_test.cpp shows a lag on three members).
raft=$(curl -s "$SERVER_URL/ui/api/raft")
jq -e '.leader == .id and .followers == [] and .lastIndex >= .commitIndex and .term >= 1' <<<"$raft" >/dev/null &&
  ok "/ui/api/raft: this member leads, no followers" || bad "/ui/api/raft answered '$raft'"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$SERVER_URL/ui/api/raft")
[ "$status" = 405 ] && ok "/ui/api/raft: POST is 405" || bad "/ui/api/raft: POST answered $status"
headers=$(curl -s -D - -o /dev/null "$SERVER_URL/ui/")
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" <<<"$headers" &&
  grep -qi '^x-content-type-options: nosniff' <<<"$headers" && ok "/ui/ sends its CSP and nosniff" || bad "/ui/ headers: $headers"

# A phone-sized window: the same page in one column.
wd POST /window/rect '{"width": 390, "height": 844}' >/dev/null
open_view recipes
wait_page 5 "phone: the recipes view fits the width" \
  'return document.documentElement.scrollWidth <= window.innerWidth && document.querySelectorAll("#services tr.service-instance").length === 2'
screenshot recipes-phone
wd POST /window/rect '{"width": 1280, "height": 900}' >/dev/null

# ------------------------------------------------------------------ v2 auth

# With auth on and the guest role stripped, the page's v2 requests get 401: it asks for a user
# and password and sends them as Basic auth. The assets themselves still need none.
curl -s -X PUT "$SERVER_URL/v2/auth/users/root" -d '{"user":"root","password":"rootpw"}' -o /dev/null
curl -s -X PUT "$SERVER_URL/v2/auth/enable" -o /dev/null
curl -s -u root:rootpw -X PUT "$SERVER_URL/v2/auth/roles/guest" \
    -d '{"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}}' -o /dev/null
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/v2/keys/dash")" = 401 ] || bad "auth: the guest can still read"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/ui/app.js")" = 200 ] && ok "auth: the assets need no credentials" ||
  bad "auth: /ui/app.js refused without credentials"
open_view keys
wd POST /refresh '{}' >/dev/null
wait_page 5 "auth: the page asks for credentials on 401" 'return document.getElementById("login-dialog").open'
type_into "#login-user" root
type_into "#login-password" rootpw
click "#login-ok"
wait_page 5 "auth: signed in, the key tree loads with Basic auth" \
  'return [...document.querySelectorAll("#tree button")].some(b => b.dataset.key === "/dash")'

stop_server
off_port=$(free_port); off_peer=$(free_port)
"$COORDD" --enable-ui=false --data-dir "$work/off" --listen-client-urls "http://127.0.0.1:$off_port" \
    --advertise-client-urls "http://127.0.0.1:$off_port" --listen-peer-urls "http://127.0.0.1:$off_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$off_peer" --initial-cluster "default=http://127.0.0.1:$off_peer" \
    >"$work/off.log" 2>&1 &
pids+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$off_port/v2/keys/" -o /dev/null || bad "coordd --enable-ui=false did not start"
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$off_port/ui/")
[ "$body" = $'404 page not found\n 404' ] && ok "--enable-ui=false: /ui/ is 404" || bad "--enable-ui=false: /ui/ answered '$body'"
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$off_port/ui/api/raft")
[ "$body" = $'404 page not found\n 404' ] && ok "--enable-ui=false: /ui/api/raft is 404" ||
  bad "--enable-ui=false: /ui/api/raft answered '$body'"

ls "$shots"/*.png >/dev/null 2>&1 && ok "screenshots: $(cd "$shots" && echo *.png)"
exit $fail
