#!/usr/bin/env bash
# Installs what Parcours needs on Debian 12 / Ubuntu when it is missing.
# Sourced by scripts/run and scripts/test; safe to run again.
set -euo pipefail

PARCOURS_APT_PACKAGES=(
  build-essential pkg-config
  # Desktop shell (Tauri 2 on WebKitGTK) and its real-window tests
  libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver
  # OCR (capture): Tesseract with French and English data, bindgen's clang
  libtesseract-dev libleptonica-dev tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-osd
  tesseract-ocr  # the command line, which scripts/bench compares intake with
  libclang-dev clang
  # Letters and their tests: fonts, PDF rendering, barcode decoding
  fonts-dejavu-core fonts-ocr-b poppler-utils zbar-tools
  # Fixture generator: handwriting-like fonts, Python venv
  fonts-humor-sans fonts-comic-neue fonts-bwht fonts-liberation2 python3 python3-venv
)

parcours_apt_install() {
  local missing=()
  for p in "${PARCOURS_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  echo "==> installation des paquets système : ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

parcours_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      echo "==> Rust est absent : installez-le avec rustup (https://rustup.rs) puis relancez" >&2
      exit 1
    fi
  fi
}

# The fixture generator's Python packages, in a venv of the repository.
parcours_python() {
  local venv=.tools/venv
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> environnement Python du générateur de jeux d'essai"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -c "import PIL, numpy" 2>/dev/null; then
    "$venv/bin/pip" install --quiet -r tests/fixtures/gen/requirements.txt
  fi
  export PARCOURS_PYTHON="$PWD/$venv/bin/python"
}

# Tesseract from Debian uses OpenMP: one thread per engine is ~2x faster on
# small machines (the binaries also re-exec themselves with it).
export OMP_THREAD_LIMIT=1

parcours_apt_install
parcours_rust
