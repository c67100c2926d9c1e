#!/bin/sh
# Installs the codevf CLI (codevf, codevf-agent) from a CodeVF release, after checking its SHA-256.
#
#   curl -fsSL <release>/install.sh | sh
#
# CODEVF_RELEASE_URL  where the release lives (https://, http:// or file://); default below
# CODEVF_PREFIX       where to install (default: ~/.local; bins go to $CODEVF_PREFIX/bin)
# CODEVF_VERSION      a version to install instead of the latest
set -eu

RELEASE_URL="${CODEVF_RELEASE_URL:-@RELEASE_URL@}"
RELEASE_URL="${RELEASE_URL%/}"
PREFIX="${CODEVF_PREFIX:-$HOME/.local}"

say() { printf '%s\n' "$*"; }
fail() { printf 'codevf install: %s\n' "$*" >&2; exit 1; }

# 1. Node first: without a recent one nothing else matters.
command -v node >/dev/null 2>&1 || fail "Node.js 20 or newer is needed and none is on PATH. Install it (https://nodejs.org, or your package manager), then run this again."
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail "node is on PATH but does not run."
[ "$NODE_MAJOR" -ge 20 ] 2>/dev/null || fail "Node.js $(node --version) is too old: codevf needs 20 or newer (22 or 24 recommended)."
command -v npm >/dev/null 2>&1 || fail "npm is needed (it comes with Node.js) and is not on PATH."

TMP=$(mktemp -d 2>/dev/null || mktemp -d -t codevf)
trap 'rm -rf "$TMP"' EXIT INT TERM

fetch() { # fetch URL FILE
  case "$1" in
    file://*) cp "${1#file://}" "$2" 2>/dev/null || fail "cannot read $1" ;;
    https://*|http://*)
      if command -v curl >/dev/null 2>&1; then curl -fsSL --proto '=https,http' -o "$2" "$1" || fail "download failed: $1"
      elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1" || fail "download failed: $1"
      else fail "curl or wget is needed to download $1"; fi ;;
    *) fail "CODEVF_RELEASE_URL must start with https://, http:// or file:// (got $RELEASE_URL)" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else node -e 'const h=require("crypto").createHash("sha256");h.update(require("fs").readFileSync(process.argv[1]));console.log(h.digest("hex"))' "$1"; fi
}

# 2. Which version: CODEVF_VERSION, else the release's latest.json.
VERSION="${CODEVF_VERSION:-}"
if [ -z "$VERSION" ]; then
  fetch "$RELEASE_URL/latest.json" "$TMP/latest.json"
  VERSION=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));if(typeof j.version!=="string")process.exit(1);console.log(j.version)' "$TMP/latest.json") \
    || fail "$RELEASE_URL/latest.json does not name a version."
fi
printf '%s' "$VERSION" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$' || fail "not a version: $VERSION"
TARBALL="codevf-$VERSION.tgz"

# 3. Download and check against SHA256SUMS before anything is installed.
say "Downloading codevf $VERSION from $RELEASE_URL ..."
fetch "$RELEASE_URL/SHA256SUMS" "$TMP/SHA256SUMS"
fetch "$RELEASE_URL/$TARBALL" "$TMP/$TARBALL"
EXPECTED=$(awk -v f="$TARBALL" '$2 == f || $2 == "*" f { print $1; exit }' "$TMP/SHA256SUMS")
[ -n "$EXPECTED" ] || fail "SHA256SUMS has no checksum for $TARBALL: nothing was installed."
ACTUAL=$(sha256 "$TMP/$TARBALL")
[ "$ACTUAL" = "$EXPECTED" ] || fail "checksum mismatch for $TARBALL (expected $EXPECTED, got $ACTUAL): the download is damaged or was tampered with. Nothing was installed."
say "Checksum OK ($ACTUAL)."

# 4. Install into the prefix. Install scripts stay off: nothing else is downloaded (dugite's own git
#    included; the agent then runs the git on PATH).
mkdir -p "$PREFIX" || fail "cannot create $PREFIX"
npm install --global --prefix "$PREFIX" --ignore-scripts --no-audit --no-fund --loglevel=error "$TMP/$TARBALL" >/dev/null \
  || fail "npm could not install $TARBALL into $PREFIX (see the npm error above)."

say "Installed codevf $VERSION into $PREFIX."
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) say ""; say "$PREFIX/bin is not on your PATH. Add it, e.g.:"; say "  echo 'export PATH=\"$PREFIX/bin:\$PATH\"' >> ~/.profile && . ~/.profile" ;;
esac
say ""
say "Next:"
say "  codevf auth login           # sign in (opens your browser)"
say "  codevf auth status --json   # check who you are"
say "  codevf doctor               # check git, keyring, host and Node"
