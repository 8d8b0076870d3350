#!/usr/bin/env bash
# Data of the sms4k_bulk workload: the same as sms4k's.
exec "$(dirname "${BASH_SOURCE[0]}")/sms4k.data.sh" "$@"
