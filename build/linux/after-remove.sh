#!/bin/sh
# deb post-remove: what after-install.sh added.
set -e
rm -f /usr/bin/clustertap
