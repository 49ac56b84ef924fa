#!/usr/bin/env bash
# Regenerates the Go wire types in node/pb from the .proto files next to this
# script, then rewrites their JSON struct tags to match upstream OpenIM.
#
# Needs protoc and protoc-gen-go (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12,
# the version go.mod pins for the runtime). Safe to run repeatedly from any directory.
#
# Why the post-processing: upstream serves its HTTP API and notification tips
# with encoding/json over protoc-gen-go structs whose `,omitempty` was removed,
# so every scalar, message and repeated field is always present (zero values
# included; pb.MarshalJSON writes nil lists as [], as upstream's API does) and
# only empty maps are left out. The JS SDK relies on that (e.g. explicit false
# booleans, friendUser present).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# Find protoc-gen-go where `go install` puts it, even if that is not on PATH.
if command -v go >/dev/null 2>&1; then
  gobin="$(go env GOBIN)"
  [[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
  PATH="$gobin:$PATH"
fi
for tool in protoc protoc-gen-go gofmt; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "generate.sh: $tool not found" >&2
    [[ "$tool" == protoc-gen-go ]] &&
      echo "  install: go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12" >&2
    exit 1
  fi
done
want="v1.36.12"
have="$(protoc-gen-go --version 2>/dev/null | awk '{print $2}')"
if [[ "$have" != "$want" ]]; then
  echo "generate.sh: warning: protoc-gen-go is $have, expected $want" >&2
fi

protos=(sdkws.proto msg.proto conversation.proto relation.proto push.proto jssdk.proto)

rm -f ./*.pb.go
protoc -I . \
  --go_out=. --go_opt=paths=source_relative \
  "${protos[@]}"

# Drop ",omitempty" from every json tag except on map fields (map fields are the
# only ones whose struct tag carries protobuf_key:). Re-running is a no-op.
for f in ./*.pb.go; do
  sed -i -E '/protobuf_key:/! s/(json:"[^",]*),omitempty"/\1"/' "$f"
done
# Re-align trailing comments after the tags got shorter.
gofmt -w ./*.pb.go
