#!/usr/bin/env bash
# package_deb_test.sh BUILD_DIR SOURCE_DIR WORK_DIR VERSION
#
# The Debian package installs, runs the installed catalogue from an empty directory and
# uninstalls: cpack builds midstream_VERSION_ARCH.deb in WORK_DIR, its Depends name the Debian
# runtime libraries, `dpkg -i` installs it on this machine, /usr/bin/midstream prints its
# version, lists and runs the catalogue under /usr/share/midstream from an empty folder (and
# another catalogue with --catalogue), then `dpkg --purge` removes it, also when a step fails.
# Exits 77 (ctest: skipped) when not root, without dpkg, or when a midstream package is already
# installed (it would be replaced). Runs under a machine-wide lock, so two checkouts never
# interleave.
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2") work=$(realpath -m "$3") version=$4
skip() { echo "SKIP: $*"; exit 77; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND"' ERR

[ "$(id -u)" -eq 0 ] || skip "installing a package needs root (CI runs as root)"
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack flock; do
  command -v "$tool" >/dev/null || skip "$tool is missing (apt-get install dpkg-dev, or scripts/setup)"
done
exec 9>/tmp/midstream-package-test.lock
flock -w 600 9 || { echo "FAIL: another package test held the lock for 10 minutes"; exit 1; }
if dpkg-query -W -f='${Status}' midstream 2>/dev/null | grep -q 'install ok installed'; then
  skip "a midstream package is already installed here ($(dpkg-query -W -f='${Version}' midstream)); not replacing it"
fi

rm -rf "$work" && mkdir -p "$work/empty"
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then
    dpkg --purge midstream >"$work/dpkg-remove.log" 2>&1 || { echo "FAIL: dpkg --purge midstream"; cat "$work/dpkg-remove.log"; }
  fi
}
trap cleanup EXIT

echo "== cpack"
cpack --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
deb=$work/midstream_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { echo "FAIL: no $deb; cpack made:"; ls "$work"; exit 1; }
echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
names=$(echo "$depends" | tr ',|' '\n\n' | sed 's/(.*//; s/[[:space:]]//g')
for lib in libc6 libstdc++6 libgcc-s1; do
  grep -qx "$lib" <<<"$names" || { echo "FAIL: Depends does not name $lib"; exit 1; }
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo "FAIL: package version is not $version"; exit 1; }

echo "== dpkg -i"
installed=1
dpkg -i "$deb" >"$work/dpkg-install.log" 2>&1 || { cat "$work/dpkg-install.log"; exit 1; }
for file in /usr/bin/midstream /usr/share/midstream/schemas/scenario.schema.json \
            /usr/share/midstream/schemas/results.schema.json /usr/share/midstream/peers/portkey/package-lock.json \
            /usr/share/doc/midstream/contract.md; do
  [ -f "$file" ] || { echo "FAIL: the package does not install $file"; exit 1; }
done

cd "$work/empty"
echo "== midstream --version"
/usr/bin/midstream --version | tee "$work/version.txt"
grep -q "^midstream $version (commit " "$work/version.txt" || { echo "FAIL: --version does not say $version"; exit 1; }

echo "== midstream list (the installed catalogue)"
expected=$(find "$source/scenarios" -name '*.json' ! -name '*.schema.json' | wc -l)
/usr/bin/midstream list >"$work/list.txt"
tail -n 1 "$work/list.txt"
[ "$(tail -n 1 "$work/list.txt")" = "$expected scenarios" ] || { echo "FAIL: expected $expected scenarios"; exit 1; }

echo "== midstream run --filter '1.1.*' (from an empty directory)"
/usr/bin/midstream run --filter '1.1.*' --out "$work/report" | tail -n 4
grep -q '"scenario": "1.1.1"' "$work/report/results.json" || { echo "FAIL: no 1.1.1 in results.json"; exit 1; }
[ -z "$(ls -A "$work/empty")" ] || { echo "FAIL: the run wrote into the current directory"; ls -A; exit 1; }

echo "== midstream list --catalogue (another catalogue)"
/usr/bin/midstream list --catalogue "$source/scenarios/1-retry" | tail -n 1

cd /
cleanup
installed=0
[ ! -e /usr/bin/midstream ] || { echo "FAIL: /usr/bin/midstream is still there after dpkg --purge"; exit 1; }
echo "package test passed: $(basename "$deb") installed, ran the catalogue and was removed"
