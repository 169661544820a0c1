#!/usr/bin/env bash
# `make sam-local [ARCH=arm64]`: the built function in containers, as `sam local` runs it.
#
# Sets up what that needs, once: podman and runc (and qemu-user-static for a foreign
# architecture) from Debian, a private containers.conf, a Docker-compatible socket
# (`podman system service`) for the SAM CLI, and the base image SAM expects, built locally
# (scripts/lambda-base-image.sh). Then alex_data_dev.sam_local runs `sam local invoke` and
# `sam local start-lambda` against `alex-data serve`. Where no container runtime can be had
# (not root without podman, no apt-get, podman unable to run a container), it says why and
# exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-x86_64}
state=$PWD/.tools/podman
mkdir -p "$state"

skip() {
  echo "sam-local: skipped: $*"
  exit 0
}

declare -A package=([podman]=podman [runc]=runc [mmdebstrap]=mmdebstrap [qemu-aarch64-static]=qemu-user-static [qemu-x86_64-static]=qemu-user-static)
needed=(podman runc mmdebstrap)
case "$arch/$(uname -m)" in
  arm64/x86_64) needed+=(qemu-aarch64-static) ;;
  x86_64/aarch64) needed+=(qemu-x86_64-static) ;;
esac
missing=()
for tool in "${needed[@]}"; do
  command -v "$tool" > /dev/null || missing+=("${package[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
    skip "needs ${missing[*]}; installing them takes root and apt-get (Debian/Ubuntu)"
  fi
  echo "sam-local: installing ${missing[*]} from Debian (log in $state/apt.log)"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } \
    > "$state/apt.log" 2>&1 || { tail -n 20 "$state/apt.log"; skip "apt-get could not install ${missing[*]}"; }
fi

# This machine withholds CAP_SYS_RESOURCE, so podman's default ulimits cannot be applied, and
# crun refuses a hybrid cgroup layout where runc copes; neither setting matters elsewhere.
cat > "$state/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF=$state/containers.conf
podman info > "$state/podman-info.log" 2>&1 || skip "podman cannot run here ($(tail -n 1 "$state/podman-info.log"))"

# A foreign architecture runs under qemu-user-static through binfmt_misc (F: the interpreter is
# opened now, so it works inside containers).
if [ "$arch/$(uname -m)" = arm64/x86_64 ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2> /dev/null \
    || skip "binfmt_misc is not available, so arm64 binaries cannot run under qemu here"
  cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register 2> /dev/null \
    || skip "could not register qemu-aarch64 with binfmt_misc"
fi

read -r runtime_python awslambdaric < <(.venv/bin/python -c \
  "from alex_data_dev.runtime import AWSLAMBDARIC, runtime_python; print(runtime_python(), AWSLAMBDARIC)")
bash scripts/lambda-base-image.sh "$arch" "$runtime_python" "$awslambdaric"
podman run --rm --entrypoint /bin/true "public.ecr.aws/lambda/python:3.13-$arch" > "$state/run.log" 2>&1 \
  || skip "podman cannot start a container here ($(tail -n 1 "$state/run.log"))"

socket=$state/podman.sock
rm -f "$socket"
podman system service --time=0 "unix://$socket" > "$state/service.log" 2>&1 &
service=$!
trap 'kill "$service" 2> /dev/null; wait "$service" 2> /dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || skip "podman system service did not start ($(tail -n 1 "$state/service.log"))"

# podman puts host.containers.internal (the host, as its containers see it) in every
# container's /etc/hosts: the name the env file gives the function for `alex-data serve`.
DOCKER_HOST=unix://$socket .venv/bin/python -m alex_data_dev.sam_local --arch "$arch" \
  --container-host host.containers.internal
