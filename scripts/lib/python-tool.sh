# Sourced: `python_tool DIR PACKAGE==VERSION...` installs the packages into a
# virtual environment under target/tools/DIR once, and prints its bin folder.

python_tool() {
    local venv="target/tools/$1" stamp
    shift
    stamp="$venv/.installed"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$*" ]; then
        echo "installing $* into $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
        echo "$*" >"$stamp"
    fi
    echo "$venv/bin"
}
