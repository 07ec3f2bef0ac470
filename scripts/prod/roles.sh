#!/usr/bin/env bash
# Roles on the control socket with real users: creates Unix groups and users, starts the real
# depotd as root, and runs the real depotctl as each user (setpriv) for every Varlink method.
# A call at or above the method's minimum role must succeed; one below must answer
# org.varlink.service.PermissionDenied and change nothing (database dump unchanged).
# Usage: roles.sh BUILD_DIR. Needs root (useradd/groupadd); counted as skipped otherwise (a failure on CI).
set -uo pipefail
build=${1:-.build/debug}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
name=prod-roles
. "$here/../lib/suite.sh"
[ "$(id -u)" -eq 0 ] || suite_skip "$name" "needs root to create test users and groups (useradd, groupadd)"
py=/usr/bin/python3  # the system's python: readable by the test users
suffix=$$
role_groups=(admin clerk operator viewer)
# Test-only group names (passed to depotd through its configuration file), so the test never
# touches real depot-* groups.
declare -A group
for r in "${role_groups[@]}"; do group[$r]="dt$suffix-$r"; done
socket_group="dt$suffix-sock"
users=(admin clerk operator viewer nobody)
dir=$(mktemp -d /tmp/depot-roles-XXXXXX)
chmod 0755 "$dir"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for u in "${users[@]}" outsider; do userdel "dt$suffix-$u" 2>/dev/null; done
  for r in "${role_groups[@]}"; do groupdel "${group[$r]}" 2>/dev/null; done
  groupdel "$socket_group" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

for r in "${role_groups[@]}"; do groupadd "${group[$r]}"; done
groupadd "$socket_group"
for u in "${users[@]}"; do
  useradd -M -N -g nogroup -s /usr/sbin/nologin "dt$suffix-$u"
  [ "$u" = nobody ] || usermod -aG "$socket_group" "dt$suffix-$u"
done
# outsider is a viewer but not in the socket group: the socket's mode 0660 keeps it out.
useradd -M -N -g nogroup -s /usr/sbin/nologin "dt$suffix-outsider"
usermod -aG "${group[viewer]}" "dt$suffix-outsider"
# nobody is in the socket group (it can connect) but in no role group.
usermod -aG "$socket_group" "dt$suffix-nobody"
for r in "${role_groups[@]}"; do usermod -aG "${group[$r]}" "dt$suffix-$r"; done
# Highest role wins: the clerk is also a viewer.
usermod -aG "${group[viewer]}" "dt$suffix-clerk"

cat > "$dir/depotd.conf" <<EOF
[roles]
admin = "${group[admin]}"
clerk = "${group[clerk]}"
operator = "${group[operator]}"
viewer = "${group[viewer]}"

[socket]
group = "$socket_group"
EOF

sock="$dir/depotd.sock"
db="$dir/depot.sqlite"
export DEPOT_SOCKET="$sock"
"$build/depotd" --config "$dir/depotd.conf" --database "$db" --socket "$sock" --now 2026-03-01T08:00:00Z \
  --time-zone UTC >"$dir/depotd.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -S "$sock" ] && break; sleep 0.1; done
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "$name: FAIL: $*"; }
ctl() { "$build/depotctl" "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err"; return 1; }; }

[ -S "$sock" ] || { cat "$dir/depotd.log"; echo "$name: 0 passed, 1 failed"; exit 1; }
mode=$(stat -c '%a %G' "$sock")
[ "$mode" = "660 $socket_group" ] && pass || fail "socket mode/group is '$mode', want '660 $socket_group'"

# Fixture, as root (admin): one item, locations, stock, an order per role to pick and to cancel.
ctl item add MILK --name "Milk 1L" --expiry-tracked --gtin 4006381333931
for l in A-01 A-02; do ctl location add "$l" --kind storage; done
ctl receive --item MILK --qty 500 --location A-01 --lot L1 --expiry 2027-01-01
for u in "${users[@]}"; do
  ctl order create "CANCEL-$u" --line MILK:1
  ctl receive --item MILK --qty 1 --location A-02 --lot "LS-$u" --expiry 2027-06-01
  # Locations of the user's own counts: one count at a time per balance.
  for l in CA CB CS; do ctl location add "$l-$u" --kind storage; done
  ctl receive --item MILK --qty 1 --location "CA-$u" --lot "LS-$u" --expiry 2027-06-01
  ctl receive --item MILK --qty 1 --location "CB-$u" --lot "LS-$u" --expiry 2027-06-01
done

# Counts: per user one count to record, submit, show and approve (A) and one submitted count
# to send back for a recount and cancel (B); a one-scan capture for Replay.
declare -A count_a count_b
count_id() { "$py" -c 'import json, sys; print(json.load(sys.stdin)["count"]["id"])'; }
for u in "${users[@]}"; do
  count_a[$u]=$("$build/depotctl" count start --location "CA-$u" --item MILK --json | count_id)
  count_b[$u]=$("$build/depotctl" count start --location "CB-$u" --item MILK --json | count_id)
  ctl count record "${count_b[$u]}" --location "CB-$u" --item MILK --lot "LS-$u" --qty 1
  ctl count submit "${count_b[$u]}"
done
# A customer token to resolve (ResolveCustomerToken) and to revoke (RevokeCustomerToken).
token_json=$("$build/depotctl" customer token add SITE --json)
token_secret=$(printf '%s' "$token_json" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
token_id=$(printf '%s' "$token_json" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["token"]["id"])')
for u in "${users[@]}"; do
  for m in BeginImport AddImportRows FinishImport; do
    printf 'sku,location,quantity,lot,expiry\nMILK,A-01,1,IMP-%s-%s,2027-06-01\n' "$u" "$m" >"$dir/import-$u-$m.csv"
    chmod 0644 "$dir/import-$u-$m.csv"
  done
done
printf 'A-01\n' >"$dir/lookup.labels"
# depotd reads captures only from its replay directory, replays/ beside the database.
mkdir -p "$dir/replays"
"$build/shift-fixture" "$dir/lookup.labels" "$dir/replays/lookup.evemu" >/dev/null

# Each method: its minimum role and the depotctl (or raw Varlink) call that exercises it.
# The matrix is docs/operations.md, "Roles".
declare -A minimum=(
  [GetInfo]=viewer [GetInterfaceDescription]=viewer
  [GetItem]=viewer [ListItems]=viewer [GetLocation]=viewer [ListLocations]=viewer [GetOrder]=viewer
  [ListOrders]=viewer
  [Stock]=viewer [Lots]=viewer [Expiring]=viewer [Ledger]=viewer [Subscribe]=viewer [Status]=viewer
  [ExportEPCIS]=viewer [FollowEPCIS]=viewer
  [Receive]=operator [Move]=operator [Pick]=operator [CreateOrder]=operator [PickOrder]=operator
  [CancelOrder]=operator
  [Adjust]=clerk [SetLotStatus]=clerk [Verify]=clerk
  [AddItem]=admin [UpdateItem]=admin [AddLocation]=admin [UpdateLocation]=admin [Reload]=admin [Backup]=admin
  [SealLedger]=admin
  [GetCustomer]=viewer [ListCustomers]=viewer [AddCustomer]=admin [UpdateCustomer]=admin
  [AddCustomerToken]=admin [ListCustomerTokens]=admin [RevokeCustomerToken]=admin [ResolveCustomerToken]=admin
  [ListScanners]=viewer [Monitor]=viewer [Scan]=operator [Assign]=admin [Replay]=admin
  [BeginImport]=clerk [AddImportRows]=clerk [FinishImport]=clerk
  [Show]=viewer [List]=viewer [Due]=viewer [Record]=operator [Submit]=operator
  [Start]=clerk [Approve]=clerk [Recount]=clerk [Cancel]=clerk [Schedule]=clerk
)
order=(GetInfo GetInterfaceDescription GetItem ListItems GetLocation ListLocations GetOrder ListOrders Stock Lots Expiring
  Ledger Subscribe ExportEPCIS FollowEPCIS Status Receive Move Pick CreateOrder PickOrder CancelOrder Adjust SetLotStatus Verify AddItem
  UpdateItem AddLocation UpdateLocation Reload Backup SealLedger ListScanners Monitor Scan Assign Replay
  Show List Due Record Submit Start Approve Recount Cancel Schedule BeginImport AddImportRows FinishImport
  GetCustomer ListCustomers AddCustomer UpdateCustomer AddCustomerToken ListCustomerTokens ResolveCustomerToken
  RevokeCustomerToken)
command_for() {  # METHOD USER -> the command words
  local m=$1 u=$2
  case $m in
    GetInfo) echo "raw org.varlink.service.GetInfo {}" ;;
    GetInterfaceDescription) echo 'raw org.varlink.service.GetInterfaceDescription {"interface":"org.depot.inventory"}' ;;
    Subscribe) echo "raw org.depot.inventory.Subscribe {}" ;;
    FollowEPCIS) echo "raw org.depot.inventory.FollowEPCIS {}" ;;
    ExportEPCIS) echo "epcis export" ;;
    GetItem) echo "item show MILK" ;;
    ListItems) echo "item list" ;;
    GetLocation) echo "location show A-01" ;;
    ListLocations) echo "location list" ;;
    GetOrder) echo "order show CANCEL-admin" ;;
    ListOrders) echo "order list" ;;
    Stock) echo "stock" ;;
    Lots) echo "lots MILK" ;;
    Expiring) echo "expiring --days 400" ;;
    Ledger) echo "ledger" ;;
    Status) echo "status" ;;
    Receive) echo "receive --item MILK --qty 5 --location A-01 --lot L1 --expiry 2027-01-01" ;;
    Move) echo "move --item MILK --lot L1 --from A-01 --to A-02 --qty 1" ;;
    Pick) echo "pick --item MILK --qty 1" ;;
    CreateOrder) echo "order create ORDER-$u --line MILK:1" ;;
    PickOrder) echo "order pick ORDER-$u" ;;
    CancelOrder) echo "order cancel CANCEL-$u" ;;
    Adjust) echo "adjust --item MILK --lot L1 --location A-01 --delta=-1 --reason count" ;;
    SetLotStatus) echo "lot quarantine MILK LS-$u --reason checked" ;;
    Verify) echo "verify" ;;
    AddItem) echo "item add ITEM-$u --name Test" ;;
    UpdateItem) echo "item update MILK --name Milk-$u" ;;
    AddLocation) echo "location add LOC-$u --kind storage" ;;
    UpdateLocation) echo "location update A-02 --priority 2" ;;
    Reload) echo "reload" ;;
    Backup) echo "backup $dir/backup-$u.sqlite" ;;
    SealLedger) echo "ledger seal" ;;
    ListScanners) echo "scanners" ;;
    Monitor) echo "monitor --count 0" ;;
    Scan) echo "scan S-$u A-01" ;;
    Assign) echo "scanner assign S-$u --mode receive --location A-01" ;;
    Replay) echo "replay lookup.evemu --scanner R-$u" ;;
    Show) echo "count show ${count_a[$u]}" ;;
    List) echo "count list" ;;
    Due) echo "count due" ;;
    Record) echo "count record ${count_a[$u]} --location CA-$u --item MILK --lot LS-$u --qty 1" ;;
    Submit) echo "count submit ${count_a[$u]}" ;;
    Start) echo "count start --location CS-$u" ;;
    Approve) echo "count approve ${count_a[$u]}" ;;
    Recount) echo "count recount ${count_b[$u]} --lines 1" ;;
    Cancel) echo "count cancel ${count_b[$u]}" ;;
    Schedule) echo "count schedule A-01 --every 7" ;;
    GetCustomer) echo "customer show SITE" ;;
    ListCustomers) echo "customer list" ;;
    AddCustomer) echo "customer add CUST-$u --name Test" ;;
    UpdateCustomer) echo "customer update SITE --name Site-$u" ;;
    AddCustomerToken) echo "customer token add SITE" ;;
    ListCustomerTokens) echo "customer token list SITE" ;;
    ResolveCustomerToken) echo "raw org.depot.inventory.ResolveCustomerToken {\"token\":\"$token_secret\"}" ;;
    RevokeCustomerToken) echo "customer token revoke $token_id" ;;
    # `depotctl import` makes all three calls; opening stock is clerk (docs/csv.md).
    BeginImport | AddImportRows | FinishImport) echo "import stock $dir/import-$u-$m.csv" ;;
  esac
}
# Every method depotd serves has a row above (a new interface must add its rows here and in
# docs/operations.md).
served=$("$py" - "$sock" <<'PY'
import json, re, socket, sys
def call(method, parameters):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
    s.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\0")
    data = b""
    while not data.endswith(b"\0"): data += s.recv(65536)
    return json.loads(data[:-1])["parameters"]
for interface in call("org.varlink.service.GetInfo", {})["interfaces"]:
    text = call("org.varlink.service.GetInterfaceDescription", {"interface": interface})["description"]
    for method in re.findall(r"^method\s+(\w+)", text, re.M):
        print(method)
PY
)
for m in $served; do
  [ -n "${minimum[$m]:-}" ] && pass || fail "method $m is served but has no row in the roles matrix"
done
[ "$(printf '%s\n' $served | wc -l)" -ge ${#order[@]} ] && pass || fail "depotd serves fewer methods than the matrix names: $served"
rank() { case $1 in viewer) echo 1 ;; operator) echo 2 ;; clerk) echo 3 ;; admin) echo 4 ;; *) echo 0 ;; esac; }
fingerprint() { sqlite3 "file:$db?mode=ro" .dump | grep -v '^INSERT INTO sqlite_sequence' | sha256sum; }

for u in "${users[@]}"; do
  user="dt$suffix-$u"
  for m in "${order[@]}"; do
    read -r -a words <<<"$(command_for "$m" "$u")"
    before=$(fingerprint)
    if [ "${words[0]}" = raw ]; then
      setpriv --reuid="$user" --regid=nogroup --init-groups "$py" "$here/rawcall.py" "$sock" "${words[1]}" "${words[2]}" \
        >"$dir/out" 2>"$dir/err"
    else
      setpriv --reuid="$user" --regid=nogroup --init-groups "$build/depotctl" "${words[@]}" \
        >"$dir/out" 2>"$dir/err"
    fi
    status=$?
    if [ "$(rank "$u")" -ge "$(rank "${minimum[$m]}")" ]; then
      if [ $status -eq 0 ]; then pass; else fail "$u $m: want success, got exit $status: $(cat "$dir/err")"; fi
    else
      if [ $status -eq 1 ] && grep -q 'org.varlink.service.PermissionDenied' "$dir/err"; then pass
      else fail "$u $m: want PermissionDenied, got exit $status: $(cat "$dir/out" "$dir/err")"; fi
      after=$(fingerprint)
      [ "$before" = "$after" ] && pass || fail "$u $m: refused call changed the database"
    fi
  done
done

# Outside the socket group: the kernel refuses the connection (EACCES), depotctl exits 3.
setpriv --reuid="dt$suffix-outsider" --regid=nogroup --init-groups "$build/depotctl" status >"$dir/out" 2>"$dir/err"
status=$?
[ $status -eq 3 ] && grep -q "cannot reach depotd" "$dir/err" && pass || fail "outsider: want exit 3 (cannot reach), got $status: $(cat "$dir/err")"

# The audit log: mutating calls with uid, pid, method and outcome; refusals too.
operator_uid=$(id -u "dt$suffix-operator")
viewer_uid=$(id -u "dt$suffix-viewer")
grep -q "Varlink call .*call.outcome=ok.*peer.uid=$operator_uid.*varlink.method=org.depot.inventory.Receive" "$dir/depotd.log" \
  && pass || fail "no audit line for the operator's Receive"
grep "Varlink call .*peer.uid=$operator_uid.*varlink.method=org.depot.inventory.Receive" "$dir/depotd.log" | grep -q 'peer.pid=[0-9]' \
  && pass || fail "the audit line has no peer.pid"
grep -q "Varlink call refused .*call.outcome=org.varlink.service.PermissionDenied.*peer.uid=$viewer_uid.*varlink.method=org.depot.inventory.Receive" "$dir/depotd.log" \
  && pass || fail "no refusal line for the viewer's Receive"

echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
