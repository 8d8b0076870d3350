#!/usr/bin/env bash
# Data of the sms64k_mega_checked workload: the same as sms64k_mega's.
exec "$(dirname "${BASH_SOURCE[0]}")/sms64k_mega.data.sh" "$@"
