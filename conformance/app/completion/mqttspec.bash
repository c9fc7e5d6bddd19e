# bash completion for mqttspec. Options come from the binary's own --help, so they never drift from
# the code. Installed by `cmake --install` as share/bash-completion/completions/mqttspec; or
# `source conformance/app/completion/mqttspec.bash`.
_mqttspec() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local bin=${COMP_WORDS[0]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    local commands
    commands=$("$bin" --help 2>/dev/null | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
    mapfile -t COMPREPLY < <(compgen -W "$commands help --help --version" -- "$cur")
    return
  fi
  local cmd=${COMP_WORDS[1]}
  case "$prev" in
    -V|--protocol|--protocol-version)
      mapfile -t COMPREPLY < <(compgen -W "3.1 3.1.1 5 all 31 311 mqttv31 mqttv311 mqttv5" -- "$cur"); return ;;
    --profile|--json|--junit|--html|--cafile|--cert|--key|--stats|--target-log)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    --out|--capath)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    --sender)
      mapfile -t COMPREPLY < <(compgen -W "client server" -- "$cur"); return ;;
  esac
  if [ "$cmd" = help ]; then
    local commands
    commands=$("$bin" --help 2>/dev/null | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    return
  fi
  if [[ "$cur" == -* ]]; then
    local options
    options=$("$bin" "$cmd" --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' | tr -d ' ,' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _mqttspec mqttspec
