#!/usr/bin/env bash
# Regenerates src/Pinhole.Onnx/Proto/Onnx.cs from src/Pinhole.Onnx/Proto/onnx.proto with the protoc
# shipped in the Google.Protobuf.Tools NuGet package (restore it first, e.g. by building once).
# The generated types are internal so Pinhole.Onnx's public API stays Pinhole's own.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${PROTOBUF_TOOLS_VERSION:-3.36.2}"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
tools="$packages/google.protobuf.tools/$version/tools"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux_x64 ;;
  Linux-aarch64) platform=linux_aarch64 ;;
  Darwin-*) platform=macosx_x64 ;;
  *) platform=windows_x64 ;;
esac
protoc="$tools/$platform/protoc"
[[ -x "$protoc" ]] || chmod +x "$protoc" 2>/dev/null || true
if [[ ! -f "$protoc" ]]; then
  echo "protoc not found at $protoc; restore Google.Protobuf.Tools $version first" >&2
  exit 1
fi

proto_dir="$root/src/Pinhole.Onnx/Proto"
"$protoc" --proto_path="$proto_dir" --proto_path="$tools" \
  --csharp_out="$proto_dir" --csharp_opt=internal_access,file_extension=.cs \
  "$proto_dir/onnx.proto"
echo "generated $proto_dir/Onnx.cs"
