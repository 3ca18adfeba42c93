# What the plugin host tests share (sourced by frei0r_hosts.sh and ofx_host.sh): the pictures,
# the look they grade with, and the comparison. Runs in the test's work folder.

# A frame of each real clip: Megamind.avi (faces, night city) and vtest.avi (a plaza).
make_pictures() {
  local data=/usr/share/doc/opencv-doc/examples/data
  ffmpeg -nostdin -hide_banner -loglevel error -y -ss 2 -i "$data/Megamind.avi" -frames:v 1 \
    megamind.png
  ffmpeg -nostdin -hide_banner -loglevel error -y -ss 30 -i "$data/vtest.avi" -frames:v 1 \
    vtest.png
}

# look.cube, 9x9x9: a warm, contrasty look (red lifted, blue lowered, a gentle S on each).
make_look() {
  awk 'BEGIN {
    print "LUT_3D_SIZE 9"
    for (b = 0; b < 9; b++) for (g = 0; g < 9; g++) for (r = 0; r < 9; r++) {
      x = r / 8; y = g / 8; z = b / 8
      sr = x * x * (3 - 2 * x); sg = y * y * (3 - 2 * y); sb = z * z * (3 - 2 * z)
      printf "%.6f %.6f %.6f\n", 0.7 * sr + 0.3 * x ^ 0.8, 0.6 * sg + 0.4 * y, 0.6 * sb + 0.4 * z ^ 1.2
    }
  }' > look.cube
}

# same A B: within one 8-bit code everywhere (idiff's report on stderr when not).
same() {
  idiff -fail 0.0040 -failpercent 0 -warn 0.0040 "$1" "$2" > idiff.log 2>&1 || {
    cat idiff.log >&2
    return 1
  }
}
