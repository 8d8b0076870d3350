#!/usr/bin/env bash
# Data of the sms32k_bulk workload: the same as sms32k's.
exec "$(dirname "${BASH_SOURCE[0]}")/sms32k.data.sh" "$@"
