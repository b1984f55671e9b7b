#!/usr/bin/env bash
# Lays the endpoint server out as an image or bundle carries it: OUT/pier-endpoint-server.jar whose manifest names
# lib/*.jar, and those jars in OUT/lib (copied from the local Maven repository the build's manifest points into).
#   assemble.sh JDK_HOME ENDPOINT_JAR OUT_DIR [SKIP_GLOB...]   (jars whose names match a SKIP_GLOB are left out)
set -euo pipefail
jdk="$1" jar="$2"
mkdir -p "$3/lib"
out="$(cd "$3" && pwd)"
shift 3
classpath="$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -n '/^Class-Path:/,/^[A-Z][A-Za-z-]*:/p' \
  | sed 's/^Class-Path: //; s/^ //' | grep -v '^[A-Z][A-Za-z-]*:' | tr -d '\n')"
rel=()
for url in $classpath; do
  f="${url#file:}" name="$(basename "${url#file:}")" skip=""
  for glob in "$@"; do [[ "$name" == $glob ]] && skip=1; done
  [[ -n "$skip" ]] && continue
  cp "$f" "$out/lib/"
  rel+=("lib/$name")
done
tmp="$(mktemp -d)"
{ echo "Manifest-Version: 1.0"; echo "Main-Class: dev.pier.endpoints.server.EndpointMain"
  echo "Class-Path: ${rel[*]}" | fold -w 70 | sed '2,$s/^/ /'; } >"$tmp/manifest.txt"
(cd "$tmp" && unzip -q "$jar" -x META-INF/MANIFEST.MF && rm -f "$out/pier-endpoint-server.jar" \
  && "$jdk/bin/jar" --create --file "$out/pier-endpoint-server.jar" --manifest manifest.txt -C . dev META-INF)
rm -rf "$tmp"
