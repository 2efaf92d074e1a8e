#!/usr/bin/env bash
# Installs JOVIAL into the single-user image; the Dockerfile runs it, and so do the tests (against a
# temporary --sys-prefix, with --skip-build, since the checkout they run in is already built).
#
#   install.sh --source DIR --sys-prefix DIR [--bin-dir DIR] [--only-kernel] [--skip-build]
#
#   --source      the project's checkout (built in place: npm ci, tsc -b, the native addons)
#   --sys-prefix  the Python prefix whose Jupyter serves the users (the image's venv): the kernelspec
#                 goes to share/jupyter/kernels/jovial, the default-kernel setting to etc/jupyter
#   --bin-dir     where to link the `jovial` command
#   --only-kernel hide every other kernelspec (KernelSpecManager.allowed_kernelspecs)
set -euo pipefail

source_dir="" sys_prefix="" bin_dir="" only_kernel=0 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_dir="$2"; shift 2 ;;
    --sys-prefix) sys_prefix="$2"; shift 2 ;;
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --only-kernel) only_kernel=1; shift ;;
    --skip-build) build=0; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$source_dir" ] || [ -z "$sys_prefix" ]; then
  echo "usage: install.sh --source DIR --sys-prefix DIR [--bin-dir DIR] [--only-kernel] [--skip-build]" >&2
  exit 2
fi
source_dir="$(cd "$source_dir" && pwd)"
mkdir -p "$sys_prefix"
sys_prefix="$(cd "$sys_prefix" && pwd)"

addons=$(grep -o '^ *jovial_addon(jovial_[a-z_]*' "$source_dir/native/CMakeLists.txt" | sed 's/.*jovial_addon(//')

if [ "$build" = 1 ]; then
  cd "$source_dir"
  npm ci --no-audit --no-fund --loglevel=error
  npx --no-install tsc -b
  npm run --silent build:native
  # Development files are not needed to run: the kernel's TypeScript is a dependency of its own.
  npm prune --omit=dev --no-audit --no-fund --loglevel=error
fi

# After a build every addon CMake knows must be there: a missing casacore or cfitsio addon would
# otherwise only show up as an error in a user's notebook. A checkout built elsewhere (--skip-build)
# may lack one that its developer has not built yet: said, not fatal.
for addon in $addons; do
  if [ ! -f "$source_dir/native/build/Release/$addon.node" ]; then
    echo "install.sh: $source_dir/native/build/Release/$addon.node is missing" >&2
    [ "$build" = 1 ] && exit 1
  fi
done

node "$source_dir/bin/jovial.js" kernel install --prefix "$sys_prefix" --display-name "TypeScript (JOVIAL)"
kernel_dir="$sys_prefix/share/jupyter/kernels/jovial"

# The views load plotly.js and three.js from the kernelspec's folder: offline, behind the hub.
for asset in plotly.min.js three.module.js three.core.js; do
  if [ ! -s "$kernel_dir/$asset" ]; then
    echo "install.sh: $kernel_dir/$asset is missing: smoothy's views would not load offline" >&2
    exit 1
  fi
done

# The default kernel. JupyterLab's server (jupyter_server) reads every file of
# jupyter_server_config.d; the classic notebook server (notebook 6, as Debian's jupyterhub-singleuser
# runs it in the local end-to-end test) reads only jupyter_notebook_config.json, into which our
# settings are merged.
settings='{"MappingKernelManager": {"default_kernel_name": "jovial"}}'
if [ "$only_kernel" = 1 ]; then
  settings='{"MappingKernelManager": {"default_kernel_name": "jovial"}, "KernelSpecManager": {"allowed_kernelspecs": ["jovial"]}}'
fi
mkdir -p "$sys_prefix/etc/jupyter/jupyter_server_config.d"
printf '%s\n' "$settings" > "$sys_prefix/etc/jupyter/jupyter_server_config.d/jovial.json"
node -e '
  const fs = require("fs");
  const [file, ours] = process.argv.slice(1);
  const config = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  for (const [section, values] of Object.entries(JSON.parse(ours))) config[section] = { ...config[section], ...values };
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
' "$sys_prefix/etc/jupyter/jupyter_notebook_config.json" "$settings"

if [ -n "$bin_dir" ]; then
  mkdir -p "$bin_dir"
  ln -sf "$source_dir/bin/jovial.js" "$bin_dir/jovial"
fi
echo "install.sh: JOVIAL from $source_dir installed for $sys_prefix (kernelspec $kernel_dir)"
