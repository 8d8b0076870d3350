#!/usr/bin/env bash
# Data of the bulk_edge workload: sms32k's model (its texts are not used).
exec "$(dirname "${BASH_SOURCE[0]}")/sms32k.data.sh" "$@"
