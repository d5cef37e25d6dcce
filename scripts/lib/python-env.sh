# Makes sure a Python with the packages the tests use (scripts/lib/test-requirements.txt) is at hand,
# and exports its path as STEWARD_TEST_PYTHON and, for the SMTP sink the mail tests start
# (scripts/lib/smtp-sink.py), STEWARD_TEST_SMTP_PYTHON. Source this file before `swift test`.
#
# The interpreter lives in a virtual environment at ${STEWARD_TEST_VENV:-$HOME/.cache/steward/test-venv},
# made on first use and brought up to the requirements when they change; python3-venv is installed
# with apt when it is missing (as root).

ensure_test_python() {
    local venv="${STEWARD_TEST_VENV:-${HOME:-/tmp}/.cache/steward/test-venv}"
    local python="$venv/bin/python"
    local here requirements nodeps
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    requirements="$here/test-requirements.txt"
    nodeps="$here/test-requirements-nodeps.txt"
    local stamp="$venv/.requirements"
    if [ -x "$python" ] && [ -f "$stamp" ] && cat "$requirements" "$nodeps" | cmp -s - "$stamp"; then
        export STEWARD_TEST_PYTHON="$python" STEWARD_TEST_SMTP_PYTHON="$python"
        return 0
    fi
    if ! command -v python3 >/dev/null 2>&1; then
        echo "python3 is missing; the tests need it: apt-get install -y python3 python3-venv" >&2
        return 1
    fi
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "python3 cannot make virtual environments; run as root or: apt-get install -y python3-venv" >&2
            return 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq python3-venv >/dev/null
    fi
    if [ ! -x "$python" ]; then
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" || return 1
    fi
    "$python" -m pip install --quiet --disable-pip-version-check -r "$requirements" || {
        echo "could not install $requirements into $venv" >&2
        return 1
    }
    "$python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$nodeps" || {
        echo "could not install $nodeps into $venv" >&2
        return 1
    }
    cat "$requirements" "$nodeps" >"$stamp"
    export STEWARD_TEST_PYTHON="$python" STEWARD_TEST_SMTP_PYTHON="$python"
    echo "Test Python: $("$python" -c 'import aiosmtpd, fideslang; print("aiosmtpd", aiosmtpd.__version__, "fideslang", fideslang.__version__)') in $venv"
}

ensure_test_python
