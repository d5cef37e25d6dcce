# Makes sure a Python with aiosmtpd is at hand for the SMTP sink that the mail tests start
# (scripts/lib/smtp-sink.py), and exports STEWARD_TEST_SMTP_PYTHON with its path. Source this file
# before `swift test`.
#
# The interpreter lives in a virtual environment at ${STEWARD_SMTP_VENV:-$HOME/.cache/steward/smtp-venv},
# made on first use; python3-venv is installed with apt when it is missing (as root).

STEWARD_AIOSMTPD_REQUIREMENT="aiosmtpd==1.4.6"

ensure_smtp_sink_python() {
    local venv="${STEWARD_SMTP_VENV:-${HOME:-/tmp}/.cache/steward/smtp-venv}"
    local python="$venv/bin/python"
    if [ -x "$python" ] && "$python" -c 'import aiosmtpd' >/dev/null 2>&1; then
        export STEWARD_TEST_SMTP_PYTHON="$python"
        return 0
    fi
    if ! command -v python3 >/dev/null 2>&1; then
        echo "python3 is missing; the SMTP sink needs it: apt-get install -y python3 python3-venv" >&2
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
    "$python" -m pip install --quiet --disable-pip-version-check "$STEWARD_AIOSMTPD_REQUIREMENT" || {
        echo "could not install $STEWARD_AIOSMTPD_REQUIREMENT into $venv" >&2
        return 1
    }
    export STEWARD_TEST_SMTP_PYTHON="$python"
    echo "SMTP sink: $("$python" -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)') in $venv"
}

ensure_smtp_sink_python
