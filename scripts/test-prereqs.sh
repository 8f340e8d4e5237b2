#!/usr/bin/env bash
# What the test suite needs besides the virtualenv, made sure of before any test runs (`make
# test`, and so `.ci/run`): Debian's chromium and chromium-driver, which the HTML report's browser
# test drives (tests/report/test_html_browser.py fails, never skips, without them).
#
# Installed with apt-get when missing and running as root; otherwise one message names the
# command to run, and the test run does not start. CHROMIUM and CHROMEDRIVER name other paths.
set -uo pipefail
chromium=${CHROMIUM:-/usr/bin/chromium}
chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}
missing=()
[ -x "$chromium" ] || missing+=(chromium)
[ -x "$chromedriver" ] || missing+=(chromium-driver)
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        how="run: sudo sh -c '$install'"
    else
        how="install Chromium and its ChromeDriver so that $chromium and $chromedriver exist (on Debian or Ubuntu: sudo sh -c '$install')"
    fi
    echo "make test: the browser test needs packages that are not installed (${missing[*]}); $how" >&2
    exit 1
fi
echo "make test: installing ${missing[*]} from Debian's packages (the browser test needs them)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "make test: apt-get could not install ${missing[*]}; run: $install" >&2
    exit 1
fi
for path in "$chromium" "$chromedriver"; do
    if [ ! -x "$path" ]; then
        echo "make test: $path is still missing after installing ${missing[*]}" >&2
        exit 1
    fi
done
