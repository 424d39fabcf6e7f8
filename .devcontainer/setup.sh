#!/usr/bin/env bash
# Codespaces / dev containers: open the learner edition, never the instructor's checkout.
#   setup.sh        (after `make .venv/.installed-lab`) build the learner edition into
#                   ../modellab-learner and install it; a published learner edition (it has
#                   .modellab-edition) is installed as it is.
#   setup.sh open   start JupyterLab on that edition.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$here/.modellab-edition" ]; then
  edition="$here"
else
  edition="$(dirname "$here")/modellab-learner"
fi
if [ "${1:-}" = "open" ]; then
  cd "$edition" && exec .venv/bin/modellab lab --no-browser --port 8888
fi
if [ "$edition" != "$here" ]; then
  "$here/.venv/bin/modellab" build --root "$here" --edition learner --out "$edition"
fi
make -C "$edition" .venv/.installed-lab
"$edition/.venv/bin/modellab" lab --setup-only
