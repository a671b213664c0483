#!/bin/sh
# deb post-install (electron-builder afterInstall): the clustertap CLI on PATH.
set -e
APP=/opt/ClusterTap
cat > /usr/bin/clustertap <<WRAPPER
#!/bin/sh
# The clustertap CLI, run by the desktop app's own Electron as Node.js (no separate Node needed).
ELECTRON_RUN_AS_NODE=1 exec "$APP/clustertap-desktop" "$APP/resources/app.asar.unpacked/bin/clustertap.js" "\$@"
WRAPPER
chmod 755 /usr/bin/clustertap
# No capability is granted by default: VXLAN (the default) and the api transport are plain sockets.
# Receiving GRE needs CAP_NET_RAW (README.md, "Capture privileges"); a file capability on the whole
# Electron binary would put Chromium into secure-exec mode, so it stays the user's explicit choice.
