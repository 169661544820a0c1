#!/usr/bin/env bash
# Builds the image `sam local` runs a python3.13 zip function in, for one architecture, when no
# image registry can be reached: public.ecr.aws/lambda/python:3.13-<arch>, made locally.
#
# AWS's image is Amazon Linux 2023 (glibc 2.34) with Python 3.13 in /var/lang. This one is a
# Debian trixie root filesystem (glibc 2.41; Debian's Python 3.13 behind /var/lang/bin/python3),
# with AWS's runtime interface client (awslambdaric, the pin in alex_data_dev/runtime.py) in
# /var/runtime, a /var/runtime/bootstrap that starts it on $_HANDLER, and the official image's
# environment, working directory and entry point. SAM mounts its own RIE (/var/rapid) and the
# function and layer; nothing else of the image is used. A module that needs a glibc newer
# than 2.34 would load here and not in Lambda: `make build` refuses those (alex_data_dev.artifact).
#
#   scripts/lambda-base-image.sh x86_64|arm64 RUNTIME_PYTHON AWSLAMBDARIC_PIN
# Needs root, mmdebstrap and podman (and qemu-user-static with binfmt for a foreign arch).
set -euo pipefail
arch=$1 python=$2 ric=$3
case $arch in
  x86_64) debian_arch=amd64 wheel_arch=x86_64 ;;
  arm64) debian_arch=arm64 wheel_arch=aarch64 ;;
  *) echo "lambda-base-image: no architecture $arch" >&2; exit 2 ;;
esac
image=public.ecr.aws/lambda/python:3.13-$arch
# The recipe's fingerprint: a changed script or pin rebuilds the image.
recipe=$(cat "$0" <(echo "$ric") | sha256sum | cut -c1-16)
if [ "$(podman image inspect --format '{{index .Labels "alex.recipe"}}' "$image" 2>/dev/null)" = "$recipe" ]; then
  echo "lambda-base-image: $image is up to date"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "lambda-base-image: building $image (Debian trixie $debian_arch; a few minutes, once)"
# awslambdaric for the target, from PyPI's manylinux wheels: no pip or compiler in the image.
"$python" -m pip install -q --disable-pip-version-check --target "$work/runtime" \
  --only-binary=:all: --implementation cp --python-version 3.13 \
  --platform "manylinux2014_$wheel_arch" --platform "manylinux_2_17_$wheel_arch" "$ric"
cat > "$work/bootstrap" <<'BOOT'
#!/bin/sh
# The python3.13 runtime's bootstrap: AWS's runtime interface client on the function's handler,
# with Lambda's import order: the function, then the layers, then the runtime.
export AWS_EXECUTION_ENV=AWS_Lambda_python3.13
export PYTHONPATH="/var/task:/opt/python/lib/python3.13/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
exec /var/lang/bin/python3 -m awslambdaric "${_HANDLER:-$1}"
BOOT
cat > "$work/lambda-entrypoint.sh" <<'ENTRY'
#!/bin/sh
# As in AWS's base image: under the emulator unless Lambda's runtime API is already there.
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec /usr/local/bin/aws-lambda-rie /var/runtime/bootstrap "$@"
fi
exec /var/runtime/bootstrap "$@"
ENTRY
chmod 755 "$work/bootstrap" "$work/lambda-entrypoint.sh"
mmdebstrap --quiet --variant=minbase --architectures="$debian_arch" \
  --include=python3,ca-certificates \
  --customize-hook='mkdir -p "$1/var/task" "$1/var/lang/bin" "$1/opt"' \
  --customize-hook='ln -sf /usr/bin/python3 "$1/var/lang/bin/python3"' \
  --customize-hook='ln -sf /usr/bin/python3 "$1/var/lang/bin/python3.13"' \
  --customize-hook='ln -sf /usr/bin/python3 "$1/var/lang/bin/python"' \
  --customize-hook="cp -a '$work/runtime' \"\$1/var/runtime\"" \
  --customize-hook="cp '$work/bootstrap' \"\$1/var/runtime/bootstrap\"" \
  --customize-hook="cp '$work/lambda-entrypoint.sh' \"\$1/lambda-entrypoint.sh\"" \
  --customize-hook='rm -rf "$1/usr/share/doc" "$1/usr/share/man" "$1/var/cache/apt" "$1/var/lib/apt/lists"' \
  trixie "$work/rootfs.tar" http://deb.debian.org/debian
podman import --quiet \
  --arch "$debian_arch" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV TZ=:/etc/localtime' \
  --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin' \
  --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
  --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
  --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
  --change 'WORKDIR /var/task' \
  --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]' \
  --change "LABEL alex.recipe=$recipe" \
  "$work/rootfs.tar" "$image" > /dev/null
echo "lambda-base-image: $image built ($(podman run --rm --entrypoint /usr/bin/ldd "$image" --version 2>&1 | sed -n 1p || true))"
