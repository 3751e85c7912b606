#!/bin/bash
# Nova's API samples, the conformance data of the test suite, from the released
# Nova source distribution on PyPI (pinned by version and sha256), cached on disk.
#
#   tools/fetch-reference.sh [DEST]      (default: .cache/reference)
#
# DEST/api_samples/doc        Nova's doc/api_samples (the API reference bodies)
# DEST/api_samples/templates  nova/tests/functional/api_sample_tests/api_samples
#                             (the same bodies with placeholders, as Nova's tests use them)
# Idempotent: does nothing when DEST/.nova-$NOVA_VERSION exists.  PYTHON names the
# interpreter whose pip downloads (default: python3).
set -euo pipefail

NOVA_VERSION=34.0.0     # also in the Makefile (REF_STAMP)
NOVA_SHA256=919eef77cda4ce0cc4746a5853b5d9341ebd0ae37bc8b1939eb77d17727c00df
DEST=${1:-.cache/reference}
PYTHON=${PYTHON:-python3}
STAMP=$DEST/.nova-$NOVA_VERSION

[ -f "$STAMP" ] && exit 0
mkdir -p "$DEST/download"
exec 9>"$DEST/.lock"            # one fetch at a time (pytest -n 2 workers, make)
flock 9
[ -f "$STAMP" ] && exit 0
SDIST=$DEST/download/nova-$NOVA_VERSION.tar.gz
if [ ! -f "$SDIST" ]; then
    "$PYTHON" -m pip download -q --no-deps --no-binary :all: "nova==$NOVA_VERSION" \
        -d "$DEST/download"
fi
echo "$NOVA_SHA256  $SDIST" | sha256sum -c --quiet - \
    || { echo "fetch-reference: $SDIST does not match its pinned sha256" >&2; exit 1; }

work=$(mktemp -d "$DEST/extract.XXXXXX")
trap 'rm -rf "$work"' EXIT
top=nova-$NOVA_VERSION
tar -xzf "$SDIST" -C "$work" "$top/doc/api_samples" \
    "$top/nova/tests/functional/api_sample_tests/api_samples"
mkdir -p "$work/api_samples"
mv "$work/$top/doc/api_samples" "$work/api_samples/doc"
mv "$work/$top/nova/tests/functional/api_sample_tests/api_samples" "$work/api_samples/templates"
rm -rf "$DEST/api_samples"
mv "$work/api_samples" "$DEST/api_samples"     # whole, or not at all
touch "$STAMP"
echo "fetch-reference: Nova $NOVA_VERSION api_samples in $DEST/api_samples"
