#!/usr/bin/env bash
# ./pier bench gpu --gpu: prepares the bundle a GPU machine without a JDK runs (gpu-run.sh in it), at most 64 MiB:
# a jlink'd JRE, the endpoint server with the jars it needs there (not ONNX Runtime's CPU build, which a GPU run does
# not use), resnet.py and gpu-run.sh.
#   prepare-gpu.sh JAVA_HOME ENDPOINT_JAR OUT_DIR
set -euo pipefail
jdk="$1" jar="$2"
mkdir -p "$3"
out="$(cd "$3" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$out"
mkdir -p "$out/app"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.net.http,jdk.httpserver,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$out/jre"
# what the endpoint never loads there: ONNX Runtime's CPU build, libtorch for the CPU (the machine has its own), and
# the AWS SDK and HTTP clients the runtime module brings for in-process serving, and the OIP gRPC port's jars (~20 MB:
# gpu-run.sh measures the REST path SageMaker routes, with --grpc-port off, which loads none of them)
"$here/../server/assemble.sh" "$jdk" "$jar" "$out/app" 'onnxruntime-*' 'pytorch-native-cpu-*' 's3-*' 'dynamodb-*' \
  'eventbridge-*' 'netty-*' 'apache5-client-*' 'httpclient5-*' 'httpcore5*' 'sagemakerruntime-*' 'aws-*' 'crt-core-*' \
  'regions-*' 'sdk-core-*' 'auth-*' 'http-auth*' 'http-client-spi-*' 'identity-spi-*' 'checksums*' 'endpoints-spi-*' \
  'eventstream-*' 'json-utils-*' 'metrics-spi-*' 'profiles-*' 'protocol-core-*' 'retries*' 'arns-*' 'annotations-2*' \
  'utils-2*' 'third-party-jackson-core-*' 'reactive-streams-*' 'nimbus-jose-jwt-*' 'snakeyaml-*' 'commonmark-*' \
  'jackson-dataformat-yaml-*' \
  'grpc-*' 'pier-grpc-*' 'pier-security-*' 'guava-*' 'failureaccess-*' 'proto-google-common-protos-*' 'protobuf-java-*' \
  'perfmark-*' 'animal-sniffer-*' 'error_prone_*' 'j2objc-*' 'jsr305-*' 'annotations-4*'
cp "$here/resnet.py" "$here/gpu-run.sh" "$out/"
chmod +x "$out/gpu-run.sh"
size="$(du -sm "$out" | cut -f1)"
echo "pier: GPU bundle in $out (${size} MiB): on the GPU machine run  ./gpu-run.sh \$OUT"
(( size <= 64 )) || { echo "pier: the bundle is over 64 MiB" >&2; exit 1; }
