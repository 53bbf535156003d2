# fixture: context
# Sourced by lib.sh, and sourcing it back (a cycle that is not followed).
. "${BASH_SOURCE%/*}/lib.sh"
alias k='microk8s kubectl'
