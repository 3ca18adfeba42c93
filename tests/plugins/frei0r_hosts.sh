#!/usr/bin/env bash
# The frei0r plugins in both real hosts, FFmpeg (-vf frei0r) and MLT (melt), on frames of real
# footage: every plugin's pixels must equal `framelock apply`'s within one 8-bit code. Also: the
# plugins are exactly the library's pointwise one-input operators, MLT reads their parameters
# from the schemas, and a plugin that cannot render says why on the host's stderr.
# Usage: frei0r_hosts.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
framelock=$build/bin/framelock
export FREI0R_PATH=$build/lib/frei0r-1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# shellcheck source=tests/plugins/plugin_test_lib.sh
source "$src/tests/plugins/plugin_test_lib.sh"
fail=0
note() { echo "frei0r_hosts: $*"; }
bad() {
  echo "frei0r_hosts: FAIL: $*" >&2
  fail=1
}

# The plugins built are the operators that can be frei0r filters, no more and no fewer.
want=$("$framelock" ops --json | python3 -c '
import json, sys
ops = json.load(sys.stdin)
print(" ".join(sorted("framelock_" + o["name"] for o in ops
                      if o["pointwise"] and len(o["inputs"]) == 1)))')
have=$(cd "$FREI0R_PATH" && ls framelock_*.so | sed 's/\.so$//' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$want" = "$have" ] || bad "plugins built: '$have'; pointwise one-input operators: '$want'"

make_look

make_pictures

# op | framelock apply's parameters | the same as frei0r values, in parameter order (FFmpeg's
# filter_params; melt gets them as index=value).
cases=(
  "exposure|stops=0.3|0.5075"
  "exposure|stops=-1.25|0.46875"
  "saturation|saturation=0.4|0.1"
  "cdl|slope=1.1,1.0,0.9 offset=0.01,0,-0.01 power=1.1,1,0.9 saturation=1.2|0.011|0.01|0.009|0.5005|0.5|0.4995|0.0109010901090109|0.0099009900990099|0.0089008900890089|0.12"
  "lut3d|file=$work/look.cube|$work/look.cube"
  "ocio|config=$src/tests/data/ocio/config.ocio src=linear dst=log2_shot|$src/tests/data/ocio/config.ocio|linear|log2_shot"
)

# melt's frame size and rate are its profile's: one with the picture's own size and square
# pixels, so that MLT scales nothing.
profile_for() {
  local size
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$1")
  cat > "$2" <<EOF
description=frei0r_hosts
frame_rate_num=25
frame_rate_den=1
width=${size%,*}
height=${size#*,}
progressive=1
sample_aspect_num=1
sample_aspect_den=1
display_aspect_num=${size%,*}
display_aspect_den=${size#*,}
colorspace=709
EOF
}


n=0
for picture in megamind vtest; do
  profile_for $picture.png $picture.profile
  for c in "${cases[@]}"; do
    IFS='|' read -r op apply_params frei0r_params <<< "$c"
    n=$((n + 1))
    # shellcheck disable=SC2086  # the parameters are words on purpose
    "$framelock" apply $picture.png ref_$n.png $op $apply_params > apply.log 2>&1 ||
      { cat apply.log >&2; bad "$picture: framelock apply $op failed"; }
    ffmpeg -nostdin -hide_banner -loglevel error -y -i $picture.png \
      -vf "frei0r=filter_name=framelock_$op:filter_params=$frei0r_params" \
      -pix_fmt rgb24 -update 1 -frames:v 1 ffmpeg_$n.png
    same ffmpeg_$n.png ref_$n.png || bad "$picture: $op ($apply_params) in FFmpeg differs from framelock apply"
    melt_args=()
    i=0
    IFS='|' read -r -a values <<< "$frei0r_params"
    for v in "${values[@]}"; do
      melt_args+=("$i=$v")
      i=$((i + 1))
    done
    melt -silent -profile "$work/$picture.profile" $picture.png out=0 \
      -filter frei0r.framelock_$op "${melt_args[@]}" \
      -consumer avformat:melt_$n.png vcodec=png pix_fmt=rgb24 > melt_$n.log 2>&1 || true
    if [ ! -s melt_$n.png ]; then
      cat melt_$n.log >&2
      bad "$picture: melt wrote nothing for $op"
    else
      same melt_$n.png ref_$n.png || bad "$picture: $op ($apply_params) in melt differs from framelock apply"
    fi
    # Not a no-op: the case would prove nothing if the op left the picture as it was.
    if idiff -fail 0.02 -failpercent 1 $picture.png ref_$n.png > /dev/null 2>&1; then
      bad "$picture: $op ($apply_params) hardly changes the picture: a test that cannot fail"
    fi
  done
done
note "$n cases, each in FFmpeg and in melt"

# MLT describes the parameters from the schema: names, ranges, documentation.
meta=$(melt -query filter=frei0r.framelock_exposure 2>/dev/null)
for want in "title: stops" "spans -20 to 20" "title: transfer"; do
  grep -q -- "$want" <<< "$meta" || bad "melt -query filter=frei0r.framelock_exposure lacks '$want'"
done

# A plugin that cannot render (its LUT is missing) says so, naming the file, on the host's log.
ffmpeg -nostdin -hide_banner -loglevel error -y -i megamind.png \
  -vf "frei0r=filter_name=framelock_lut3d:filter_params=$work/missing.cube" \
  -update 1 -frames:v 1 missing.png 2> missing.log || true
grep -q "framelock_lut3d: .*missing.cube" missing.log ||
  { cat missing.log >&2; bad "a missing LUT is not named on stderr"; }

[ $fail = 0 ] && note "passed"
exit $fail
