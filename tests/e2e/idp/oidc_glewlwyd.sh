#!/usr/bin/env bash
# framelock against a real OpenID Connect provider: Debian's glewlwyd, started here in a temporary
# directory (tests/e2e/idp/glewlwyd_start.sh makes its user, client, groups and signing key).
# framelock serve trusts it (--oidc-issuer), and the API is called with the tokens it issues:
# RS256 and ES256, an artist's and a stranger's, the right audience and the wrong one.
#   oidc_glewlwyd.sh FRAMELOCK_BIN
set -euo pipefail
BIN=$(realpath "${1:?usage: $0 FRAMELOCK_BIN}")
HERE=$(cd "$(dirname "$0")" && pwd)
command -v glewlwyd >/dev/null || { echo "glewlwyd is not installed (scripts/setup.sh)"; exit 1; }
WORK=$(mktemp -d /tmp/fl-oidc.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  for d in "$WORK"/idp-*; do [ -d "$d" ] && "$HERE/glewlwyd_stop.sh" "$d" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$WORK/policy.json" <<'JSON'
{"version": 1,
 "identity": {"roles_claim": "groups",
              "groups": {"show-a-artists": "artist@show-a", "reviewers": "viewer"}}}
JSON

# status METHOD PATH TOKEN [BODY] -> HTTP status; the body in $WORK/reply
status() {
  local args=(-s -o "$WORK/reply" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3")
  [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  curl "${args[@]}" "http://127.0.0.1:$FL_PORT$2"
}
# start NAME [ENV=VALUE...]: glewlwyd for NAME (its token in $TOKEN), then framelock serve trusting
# it (on $FL_PORT), both in the work directory.
start() {
  local name=$1
  shift
  IDP_DIR="$WORK/idp-$name"
  # The application scope alone: glewlwyd puts the granted scope in `aud`.
  TOKEN=$(env TOKEN_SCOPE=framelock "$@" "$HERE/glewlwyd_start.sh" "$IDP_DIR" "$(free_port)" \
          2>"$WORK/idp-$name.log") || { cat "$WORK/idp-$name.log" >&2; fail "glewlwyd did not start"; }
  . "$IDP_DIR/env.sh"
  FL_PORT=${PAGE_PORT:-$(free_port)}
  # A studio admin of our own, to make the project the IdP's group grants a role in.
  ADMIN=$("$BIN" token create --role admin --name e2e-admin --data "$WORK/data-$name" 2>/dev/null | tail -1)
  "$BIN" serve --port "$FL_PORT" --data "$WORK/data-$name" --policy "$WORK/policy.json" \
    --oidc-issuer "$OIDC_ISSUER" --oidc-audience framelock "${SERVE_EXTRA[@]}" \
    >"$WORK/serve-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$FL_PORT/healthz" && break
    sleep 0.1
  done
  grep -q "oidc: issuer $OIDC_ISSUER, 1 signing key" "$WORK/serve-$name.log" ||
    { cat "$WORK/serve-$name.log" >&2; fail "framelock did not read the IdP's keys"; }
  [ "$(status POST /v1/projects "$ADMIN" '{"id": "show-a", "name": "Show A"}')" = 201 ] ||
    fail "the studio admin could not make project show-a: $(cat "$WORK/reply")"
  # show-a's footage: a root of its own with a real clip in it.
  mkdir -p "$WORK/footage-$name"
  cp /usr/share/doc/opencv-doc/examples/data/Megamind.avi "$WORK/footage-$name/"
  [ "$(status POST /v1/roots "$ADMIN" "{\"path\": \"$WORK/footage-$name\", \"project\": \"show-a\"}")" = 201 ] ||
    fail "the studio admin could not give show-a a root: $(cat "$WORK/reply")"
  [ "$(status POST /v1/media "$ADMIN" "{\"path\": \"$WORK/footage-$name/Megamind.avi\"}")" = 201 ] ||
    fail "show-a's clip could not be registered: $(cat "$WORK/reply")"
}
stop() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  "$HERE/glewlwyd_stop.sh" "$IDP_DIR" 2>/dev/null
}
expect() {  # expect WANT GOT WHAT
  [ "$1" = "$2" ] || fail "$3: HTTP $2, expected $1: $(head -c 300 "$WORK/reply")"
  echo "ok: $3 -> $2"
}

SERVE_EXTRA=()
for alg in RS256 ES256; do
  start "$alg" SIGN_ALG=$alg TEST_GROUPS=show-a-artists
  expect 200 "$(status GET /v1/media "$TOKEN")" "$alg: alice (show-a-artists) lists media"
  expect 200 "$(status GET /v1/projects "$TOKEN")" "$alg: alice lists her projects"
  grep -q '"id":"show-a".*"role":"artist"' "$WORK/reply" ||
    fail "alice is no artist of show-a: $(cat "$WORK/reply")"
  expect 201 "$(status POST /v1/sessions "$TOKEN" '{"project": "show-a"}')" "$alg: alice opens a live session in show-a (artist@show-a)"
  grep -q '"owner":"alice"' "$WORK/reply" || fail "the session's owner is not alice: $(cat "$WORK/reply")"
  expect 404 "$(status POST /v1/sessions "$TOKEN" '{}')" "$alg: alice has no role in the default project"
  expect 403 "$(status GET /v1/tokens "$TOKEN")" "$alg: alice may not manage tokens (admin)"

  # A token for another audience (the openid scope too: aud "openid framelock").
  OTHER=$(curl -s -u "$OIDC_CLIENT_ID:$OIDC_CLIENT_SECRET" --data-urlencode grant_type=password \
          --data-urlencode username=alice --data-urlencode password=alice-pass \
          --data-urlencode "scope=openid framelock" "$OIDC_ISSUER/token" |
          /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  expect 401 "$(status GET /v1/media "$OTHER")" "$alg: a token for another audience"
  grep -q "another audience" "$WORK/reply" || fail "the refusal does not say why: $(cat "$WORK/reply")"
  # The IdP's own signature, one byte of the payload changed.
  TAMPERED=$(echo "$TOKEN" | /usr/bin/python3 -c 'import sys; t=sys.stdin.read().strip(); h,p,s=t.split("."); i=len(p)//2; print(h+"."+p[:i]+("A" if p[i]!="A" else "B")+p[i+1:]+"."+s)')
  expect 401 "$(status GET /v1/media "$TAMPERED")" "$alg: a tampered token"
  stop
done

# A user in no group the policy maps: signed in at the IdP, but no role here.
start stranger TEST_USER=mallory TEST_PASSWORD=mallory-pass TEST_GROUPS=show-b-artists
expect 401 "$(status GET /v1/media "$TOKEN")" "a user whose groups the policy does not map"
grep -q "no group" "$WORK/reply" || fail "the refusal does not say why: $(cat "$WORK/reply")"
stop
# The page signs in through glewlwyd's own login page: the server is the IdP's confidential
# client (authorization code + PKCE), the browser ends with a cookie session in show-a.
BROWSER_DIR="$HERE/../browser"
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
  PAGE_PORT=$(free_port)
  printf '%s\n' framelock-secret > "$WORK/client-secret"
  chmod 600 "$WORK/client-secret"
  SERVE_EXTRA=(--oidc-client-id framelock --oidc-client-secret-file "$WORK/client-secret"
               --oidc-scope framelock)
  start page TEST_GROUPS=show-a-artists REDIRECT_URI="http://127.0.0.1:$PAGE_PORT/v1/auth/callback"
  [ "$OIDC_CLIENT_SECRET" = framelock-secret ] || fail "the IdP's client secret is not the one given"
  (cd "$BROWSER_DIR" && node idp_signin.mjs "http://127.0.0.1:$FL_PORT" alice alice-pass show-a) ||
    { tail -20 "$WORK/serve-page.log" >&2; fail "the page did not sign in through the IdP"; }
  grep -q '"via":"page"' "$WORK/data-page/audit/"audit-*.jsonl || fail "the page's sign-in is not audited"
  echo "ok: the page's sign-in is in the audit log"
  stop
else
  echo "skip: the page's sign-in needs Chromium and playwright-core (scripts/setup.sh)"
fi
echo "PASS"
