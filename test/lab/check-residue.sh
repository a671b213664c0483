#!/usr/bin/env bash
# After `npm run lab -- down`: nothing of the lab may be left on this machine. Exit 1 naming what is.
set -uo pipefail
lab_dir=${CLUSTERTAP_LAB_DIR:-/tmp/clustertap-lab}
left=()
namespaces=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ctlab-' | tr '\n' ' ')
[[ -n $namespaces ]] && left+=("network namespaces: $namespaces")
links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^ctlab' | tr '\n' ' ')
[[ -n $links ]] && left+=("links: $links")
procs=$(pgrep -af 'kube-apiserver|kube-controller-manager|kube-scheduler|/etcd --name=lab|test/lab/kubelet/main.ts' | grep -v pgrep)
[[ -n $procs ]] && left+=("processes: $procs")
[[ -e $lab_dir ]] && left+=("directory: $lab_dir")
if ((${#left[@]})); then
  printf 'lab residue after down:\n' >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
echo "lab down: no namespace, link, process or file left"
