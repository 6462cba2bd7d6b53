# cmake/debian/env-file.awk — writes /etc/smooth-operator/smooth-operator.env from the
# output of `smooth-operator-server --help` (adapters/config/server_config.cpp), so the
# packaged file names every variable the binary reads, each commented out with its
# default. Run by cmake/Packaging.cmake at build time; POSIX awk (mawk) only.
#
# Input lines:  "  NAME (default: VALUE)" followed by "      meaning".
# A default that is a plain token becomes "#NAME=VALUE"; a descriptive one ("(unset)",
# "(number of cores)", "1536 gateway, 1024 deterministic") becomes "#NAME=".

function wrap(text, prefix, width,    n, words, i, line, out) {
  n = split(text, words, " ")
  line = prefix
  out = ""
  for (i = 1; i <= n; i++) {
    if (length(line) > length(prefix) && length(line) + 1 + length(words[i]) > width) {
      out = out line "\n"
      line = prefix
    }
    line = (length(line) > length(prefix)) ? line " " words[i] : line words[i]
  }
  return out line "\n"
}

BEGIN {
  print "# /etc/smooth-operator/smooth-operator.env — environment of smooth-operator.service."
  print "#"
  print "# systemd reads this file (as root) before starting the server as the"
  print "# smooth-operator user: one NAME=value per line, no shell expansion. A value with"
  print "# backslashes, quotes or newlines goes in single quotes, which may span lines"
  print "# (AUTH_JWT_RS256_PUBLIC_KEY='-----BEGIN PUBLIC KEY-----<newline>...')."
  print "# Every variable the server reads is listed below, commented out with its"
  print "# built-in default; uncomment and edit a line to change it, then"
  print "#   systemctl restart smooth-operator"
  print "# Keep a line commented to keep the default: an empty value is not always the same"
  print "# as unset (SMOOTH_AGENT_TITLE_MODEL= turns auto-titling off; an empty"
  print "# SMOOTH_AGENT_DATABASE_URL= hides DATABASE_URL)."
  print "# An invalid value for a SMOOTH_AGENT_* variable stops the server at startup with a"
  print "# message naming it (journalctl -u smooth-operator). This file holds secrets"
  print "# (gateway key, JWT secret, tokens): keep it mode 0600, owned by root."
  print "# Meanings, grouped, with what happens at each limit: docs/operations.md"
  print "# (/usr/share/doc/smooth-operator/operations.md); the security model: security.md."
  print "#"
  print "# A dpkg conffile: upgrades keep your edits (dpkg asks when the shipped file changed)."
  count = 0
}

/^  [A-Za-z_][A-Za-z0-9_]* \(default: .*\)$/ {
  name = $1
  def = $0
  sub(/^  [A-Za-z_][A-Za-z0-9_]* \(default: /, "", def)
  sub(/\)$/, "", def)
  pending = 1
  next
}

pending && /^      / {
  meaning = $0
  sub(/^ +/, "", meaning)
  value = (def ~ /^[^ ()]+$/) ? def : ""
  printf "\n"
  printf "# %s (default: %s)\n", name, def
  printf "%s", wrap(meaning, "#   ", 88)
  printf "#%s=%s\n", name, value
  pending = 0
  count++
  next
}

END {
  if (count == 0) {
    print "env-file.awk: no variables found in the --help output" > "/dev/stderr"
    exit 1
  }
}
