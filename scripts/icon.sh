#!/usr/bin/env bash
# Regenerates assets/icon.png (512x512): a white speech bubble with an "L" on a teal-to-blue rounded square.
# Needs ImageMagick 6 (`convert`); the committed PNG is the output of this script.
set -euo pipefail
cd "$(dirname "$0")/.."
convert -size 512x512 gradient:'#14B8A6-#1D4ED8' \
  \( -size 512x512 xc:black -fill white -draw "roundrectangle 16,16 495,495 112,112" \) \
  -alpha off -compose CopyOpacity -composite -compose Over \
  -fill white -stroke none \
  -draw "roundrectangle 106,128 406,348 70,70" \
  -draw "polygon 170,330 250,330 150,420" \
  -fill '#1E7FC0' -font DejaVu-Sans-Bold -pointsize 170 -gravity center -annotate +4-18 'L' \
  -strip PNG32:assets/icon.png
