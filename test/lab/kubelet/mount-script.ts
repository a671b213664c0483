/** One bind mount for a container: a host path (file or directory) at a path inside the container. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** mirror FROM TO: TO gets FROM's entries, each bound back (directories recursively), symlinks copied. */
const MIRROR = `mirror() {
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    d="$2/\${e##*/}"
    if [ -L "$e" ]; then ln -sfn "$(readlink "$e")" "$d"
    elif [ -d "$e" ]; then mkdir -p "$d"; mount -n --rbind "$e" "$d"
    else [ -e "$d" ] || : > "$d"; mount -n --bind "$e" "$d"; fi
  done
}`;

/**
 * argv that gives a container its volumes, to be followed by the container's own argv. It runs
 * inside `ip netns exec NS unshare --mount --uts --propagation private`, so every mount belongs to
 * the process and vanishes with it; nothing is ever created on the host's filesystem.
 *
 * Containers have no image filesystem here, so they see the host's. Stage 1 builds a root for the
 * container: a tmpfs mirroring the host's top-level entries (so mount points like /data can be
 * made), then chroots into it for stage 2. Stage 2 makes each mount point; one that does not exist
 * below the top level (/var/run/secrets/kubernetes.io/serviceaccount) gets its nearest existing
 * ancestor "shadowed": bound aside, covered by a tmpfs that mirrors its entries. `stage` is a
 * directory the harness owns; both stages work relative to a tmpfs mounted there. Paths with
 * whitespace are not supported.
 */
export function mountArgv(mounts: BindMount[], stage: string, hostname: string): string[] {
  const stage1 = [
    'set -e',
    MIRROR,
    `mount -n -t tmpfs -o size=1m,mode=700 ctlab-stage ${quote(stage)}`,
    `cd ${quote(stage)}`,
    'mkdir root shadows',
    'mount -n -t tmpfs -o mode=755 ctlab-root root',
    'mirror / root',
    `hostname ${quote(hostname)}`,
    'exec chroot root sh -c "$0" init "$@"',
  ].join('\n');
  const stage2 = [
    'set -e',
    MIRROR,
    `cd ${quote(`${stage}/shadows`)}`,
    'n=0; shadows=""',
    `shadow() {
  n=$((n+1)); mkdir "$n"; mount -n --rbind "$1" "$n"
  mount -n -t tmpfs -o mode=755 ctlab-shadow "$1"
  mirror "$n" "$1"
  shadows="$shadows $1"
}`,
    // ensure PATH d|f: make PATH exist, shadowing its nearest existing ancestor unless that is ours.
    `ensure() {
  [ -e "$1" ] && return 0
  a=$(dirname "$1"); while [ ! -e "$a" ]; do a=$(dirname "$a"); done
  rest=\${1#"\${a%/}"}; a=$(readlink -f "$a"); t="\${a%/}$rest"; mine=""
  [ "$a" = / ] && mine=1
  for s in $shadows; do case "$a/" in "$s/"*) mine=1;; esac; done
  [ -n "$mine" ] || shadow "$a"
  mkdir -p "$(dirname "$t")"
  if [ "$2" = d ]; then mkdir -p "$t"; else [ -e "$t" ] || : > "$t"; fi
}`,
  ];
  // Sources are bound aside first (relative to the stage, which stays reachable), so a mount over
  // an ancestor of a later source (an emptyDir at /tmp over $LAB_DIR/pods/…) cannot hide it.
  // Targets go shallow first, as containerd orders them, so /tmp never covers /tmp/x.
  const ordered = mounts
    .map((m, i) => ({ ...m, aside: `src/${i}` }))
    .sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  stage2.push('mkdir src');
  for (const m of ordered) {
    const src = quote(m.source);
    stage2.push(
      `if [ -d ${src} ]; then mkdir ${m.aside}; else : > ${m.aside}; fi`,
      `mount -n --bind ${src} ${m.aside}`,
    );
  }
  for (const m of ordered) {
    const dst = quote(m.target);
    stage2.push(
      `if [ -d ${m.aside} ]; then ensure ${dst} d; else ensure ${dst} f; fi`,
      `mount -n --bind ${m.aside} ${dst}`,
    );
    if (m.readOnly) stage2.push(`mount -n -o remount,bind,ro ${dst}`);
  }
  stage2.push('cd /', 'unset OLDPWD', 'exec "$@"');
  return ['sh', '-c', stage1, stage2.join('\n')];
}
