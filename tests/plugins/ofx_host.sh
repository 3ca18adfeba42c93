#!/usr/bin/env bash
# framelock.ofx.bundle in the test host written from the OpenFX specification (ofx_host; no OFX
# host is packaged in Debian 12): the plugins are the library's pointwise one-input operators,
# described from their schemas, and every render (8-bit, 16-bit and float, rows up or down, in
# tiles, at half render scale) equals `framelock apply` within one 8-bit code on frames of real
# footage, and premultiplied images grade as straight ones do. Refusals are the host's errors, with the reason.
# Usage: ofx_host.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
framelock=$build/bin/framelock
host=$build/tests/ofx_host
bundle=$build/lib/ofx/framelock.ofx.bundle
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# shellcheck source=tests/plugins/plugin_test_lib.sh
source "$src/tests/plugins/plugin_test_lib.sh"
fail=0
note() { echo "ofx_host: $*"; }
bad() {
  echo "ofx_host: FAIL: $*" >&2
  fail=1
}

# The bundle's layout, and the plugins' descriptions against the operators' schemas.
[ -f "$bundle/Contents/Linux-x86-64/framelock.ofx" ] || bad "no Contents/Linux-x86-64/framelock.ofx"
"$host" "$bundle" describe > described.json
"$framelock" ops --json > ops.json
python3 - described.json ops.json <<'EOF' || bad "the plugins' descriptions differ from the schemas"
import json, sys
described = {p["id"]: p for p in json.load(open(sys.argv[1]))}
ops = [o for o in json.load(open(sys.argv[2])) if o["pointwise"] and len(o["inputs"]) == 1]
types = {"float": "OfxParamTypeDouble", "int": "OfxParamTypeInteger", "bool": "OfxParamTypeBoolean",
         "vec3": "OfxParamTypeDouble3D", "enum": "OfxParamTypeChoice",
         "string": "OfxParamTypeString", "path": "OfxParamTypeString"}
errors = []
if sorted(described) != sorted("org.framelock." + o["name"] for o in ops):
    errors.append(f"plugins {sorted(described)} for operators {[o['name'] for o in ops]}")
for o in ops:
    d = described.get("org.framelock." + o["name"])
    if not d:
        continue
    if d["contexts"] != ["OfxImageEffectContextFilter"] or len(d["depths"]) != 3:
        errors.append(f"{o['name']}: contexts {d['contexts']}, depths {d['depths']}")
    if d["thread_safety"] != "OfxImageEffectRenderInstanceSafe" or d["clips"] != ["Source", "Output"]:
        errors.append(f"{o['name']}: {d['thread_safety']}, clips {d['clips']}")
    params = {p["name"]: p for p in d["params"]}
    if [p["name"] for p in d["params"]] != [p["name"] for p in o["params"]] + ["transfer"]:
        errors.append(f"{o['name']}: parameters {list(params)}")
    for p in o["params"]:
        q = params.get(p["name"], {})
        if q.get("type") != types[p["type"]] or q.get("hint") != p["doc"]:
            errors.append(f"{o['name']}.{p['name']}: {q.get('type')}, hint {q.get('hint')!r}")
        n = 3 if p["type"] == "vec3" else 1
        for key, ofx in (("min", "Min"), ("max", "Max")):
            if p.get(key) is not None and p["type"] in ("float", "int", "vec3") \
                    and q.get(ofx) != [p[key]] * n:
                errors.append(f"{o['name']}.{p['name']}: {ofx} {q.get(ofx)}, schema {p[key]}")
        default = p.get("default")
        t = p["type"]
        if t == "vec3":
            want = default
        elif t == "enum":
            want = [p["choices"].index(default)] if default else None
        elif t == "bool":
            want = [int(bool(default))]
        elif t in ("string", "path"):
            want = [default or ""]
        else:
            want = [default] if default is not None else None
        if want is not None and q.get("Default") != want:
            errors.append(f"{o['name']}.{p['name']}: default {q.get('Default')}, schema {default}")
print("\n".join(errors), file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

make_look
make_pictures

# op | parameters, the same words for framelock apply and for the OFX host (schema units).
cases=(
  "exposure|stops=0.3"
  "saturation|saturation=0.4"
  "cdl|slope=1.1,1.0,0.9 offset=0.01,0,-0.01 power=1.1,1,0.9 saturation=1.2"
  "lut3d|file=$work/look.cube interp=trilinear"
  "ocio|config=$src/tests/data/ocio/config.ocio src=linear dst=log2_shot"
)
depths=(byte short float)
n=0
for picture in megamind vtest; do
  for c in "${cases[@]}"; do
    IFS='|' read -r op params <<< "$c"
    # shellcheck disable=SC2086  # the parameters are words on purpose
    ref=ref_${picture}_$op.png
    "$framelock" apply $picture.png $ref $op $params > apply.log 2>&1 ||
      { cat apply.log >&2; bad "framelock apply $op failed"; }
    for d in "${depths[@]}"; do
      rows=$([ $((n % 2)) = 0 ] && echo up || echo down)
      tiles=$([ $((n % 3)) = 0 ] && echo 1 || echo 3)
      # shellcheck disable=SC2086
      if ! "$host" "$bundle" render org.framelock.$op $picture.png ofx_$n.png --depth $d \
          --rows $rows --tiles $tiles $params transfer=srgb 2> host.log; then
        cat host.log >&2
        bad "$picture: $op at $d failed in the host"
      elif ! same ofx_$n.png $ref; then
        bad "$picture: $op ($params) at $d, rows $rows, $tiles x $tiles tiles differs from framelock apply"
      fi
      n=$((n + 1))
    done
  done
done
note "$n renders (5 operators x 2 pictures x 3 depths), each equal to framelock apply"

# Half render scale: the host hands a proxy; the plugin renders it as apply renders that picture.
"$host" "$bundle" render org.framelock.cdl megamind.png half.png --scale 0.5 --depth short \
  slope=1.2,1,0.8 transfer=srgb || bad "render scale 0.5 failed"
"$framelock" apply half.png.input.png half_ref.png cdl slope=1.2,1,0.8 > /dev/null 2>&1
same half.png half_ref.png || bad "render scale 0.5 differs from framelock apply"

# Alpha from 1 to 0 across the picture, handed over premultiplied or straight: the plugin grades
# the colour as if opaque either way, and keeps alpha (float images: no rounding between them).
for mode in --premultiplied ""; do
  # shellcheck disable=SC2086
  "$host" "$bundle" render org.framelock.exposure vtest.png alpha$mode.png $mode --alpha-ramp \
    stops=0.7 transfer=srgb || bad "render with alpha ($mode) failed"
done
same alpha--premultiplied.png alpha.png || bad "premultiplied and straight images grade differently"

# Refusals: another context, a value out of range, a file that is not there.
if "$host" "$bundle" render org.framelock.exposure vtest.png x.png \
    --context OfxImageEffectContextGeneral 2> refuse.log; then
  bad "the General context was accepted"
fi
grep -q "DescribeInContext(OfxImageEffectContextGeneral) returned 5" refuse.log ||
  { cat refuse.log >&2; bad "the General context's refusal is not kOfxStatErrUnsupported"; }
if "$host" "$bundle" render org.framelock.exposure vtest.png x.png stops=99 2> refuse.log; then
  bad "stops=99 rendered"
fi
grep -q "params.stops" refuse.log || { cat refuse.log >&2; bad "stops=99 is not named"; }
if "$host" "$bundle" render org.framelock.lut3d vtest.png x.png file=$work/missing.cube \
    2> refuse.log; then
  bad "a missing LUT rendered"
fi
grep -q "missing.cube" refuse.log || { cat refuse.log >&2; bad "the missing LUT is not named"; }

[ $fail = 0 ] && note "passed"
exit $fail
