// Host helpers for classifying what is typed (tinytext hid, hid-type, the proofs in
// tests/hid_cli_test.cc). The device-side glue is src/hid/verdict.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hid/verdict.h"  // kEditorBytes
#include "tinytext/hid.h"

namespace tt::hid {

// What a keyboard with `layout` types for `text`, so that reports -> text gives it back exactly:
//   1. every ASCII control byte other than Tab (CR, LF, VT, FF, ..., DEL) becomes a space. The
//      tokenizer treats all of them as separators, exactly like a space, so this changes no
//      feature and no score; LF would otherwise be Enter and end the message.
//   2. every character the layout cannot type (e.g. emoji, or '£' on US) and every invalid UTF-8
//      byte is dropped (keep_typeable). This one can change features and scores: the proofs
//      compare against `predict` on the normalised text.
std::string typeable_text(std::string_view text, const HidLayout& layout);

}  // namespace tt::hid
