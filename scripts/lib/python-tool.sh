# Sourced: `python_tool DIR PACKAGE==VERSION...` installs the packages into a
# virtual environment under target/tools/DIR once, and prints its bin folder.

python_tool() {
    local venv stamp
    # A venv holds its absolute path (in its scripts' #! lines): made under
    # the physical path, it keeps working from any worktree whose target/
    # links to the same place, and one whose path is gone is made again.
    mkdir -p target/tools
    venv="$(cd target/tools && pwd -P)/$1"
    shift
    stamp="$venv/.installed"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$*" ] \
        || ! "$venv/bin/pip" --version >/dev/null 2>&1; then
        echo "installing $* into $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
        echo "$*" >"$stamp"
    fi
    echo "$venv/bin"
}
