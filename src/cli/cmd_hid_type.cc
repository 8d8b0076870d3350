// tinytext hid-type [TEXT...]: the USB HID boot reports a keyboard sends to type texts.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/hid_layout.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json.h"
#include "data/dataset.h"
#include "hid/capture.h"
#include "hid/classify.h"
#include "hid/keyboard.h"

namespace tt::cli {

namespace {

// "line N" / "argument N" of the message holding byte `offset` of the joined text.
std::string where_of(const std::vector<size_t>& starts, size_t offset, bool from_stdin) {
  size_t m = 0;
  while (m + 1 < starts.size() && starts[m + 1] <= offset) ++m;
  return (from_stdin ? "<stdin>:" : "argument ") + std::to_string(m + 1) + ": byte " +
         std::to_string(offset - starts[m]);
}

}  // namespace

int cmd_hid_type(int argc, char** argv) {
  std::vector<Option> options = {
      {"format", "hex|raw|pcap|pcapng", "output format (pcap/pcapng: a USB capture, see --link)", "hex"},
      {"link", "usbmon|usbpcap", "pcap/pcapng: Linux usbmon records (link type 220) or Windows USBPcap ones (249)",
       "usbmon"},
      layout_option(),
      {"typos", "RATE", "probability in [0, 1] of a neighbouring key + Backspace before each main-block key", "0"},
      {"seed", "N", "seed of the typos (the same seed gives the same reports everywhere)", "1"},
      {"output", "FILE", "write the capture to FILE (written atomically) [default: stdout, hex only]", ""},
      flag("typeable",
           "make each text typeable instead of failing: control bytes become spaces, characters "
           "the layout cannot type are dropped (docs/hid.md)"),
      flag("no-enter", "do not press Enter after the last message"),
      flag("json",
           "print one JSON object on stdout: layout, messages, reports, and the hex reports (or the "
           "file written with -o)"),
  };
  Args args("hid-type", "[TEXT...] [options]", options, argc, argv, 2);
  if (args.show_help(R"(Each TEXT argument, or else each stdin line (a trailing CR is dropped), is one message, typed
and ended by Enter: per character a press report (the key, with left Shift or AltGr as
needed) and an all-zero release report. Caps Lock is never used. Tab types a tab. A text
with a character the layout cannot type is an error naming it, unless --typeable.
'tinytext hid MODEL FILE' decodes the result; see docs/hid.md.
)"))
    return 0;
  const HidLayout* layout = layout_arg(args, "hid-type");
  const std::string fmt = args.get("format");
  const hid::CaptureFormat format = hid::format_by_name(fmt);
  const bool to_file = args.has("output");
  const std::string link = args.get("link");
  if (link != "usbmon" && link != "usbpcap")
    throw UsageError("hid-type: --link must be usbmon or usbpcap, got '" + link + "'");
  if (args.has("link") && format != hid::CaptureFormat::kUsbmon)
    throw UsageError("hid-type: --link applies to --format pcap or pcapng");
  if (!to_file && format != hid::CaptureFormat::kHex)
    throw UsageError("hid-type: --format " + fmt + " is binary: give -o FILE");
  hid::EncodeOptions eo;
  eo.typo_rate = args.get_double("typos", 0.0, 1.0);
  eo.seed = static_cast<uint64_t>(args.get_int("seed", 0, INT64_MAX));
  const bool typeable = args.has("typeable");
  if (to_file) check_outputs({args.get("output")}, {});

  // The messages, joined with '\n' (Enter) so one seed drives the typos of the whole stream.
  const bool from_stdin = args.positional().empty();
  std::vector<std::string> messages;
  if (!from_stdin) {
    messages = args.positional();
  } else {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      messages.push_back(line);
    }
    if (std::cin.bad()) throw Error("<stdin>: read error");
  }
  std::string joined;
  std::vector<size_t> starts;
  for (size_t i = 0; i < messages.size(); ++i) {
    std::string m = typeable ? hid::typeable_text(messages[i], *layout) : messages[i];
    if (!typeable) {
      const size_t nl = m.find('\n');
      if (nl != std::string::npos)
        throw Error((from_stdin ? "<stdin>:" : "argument ") + std::to_string(i + 1) + ": byte " + std::to_string(nl) +
                    ": a newline inside a message would press Enter; give one message per argument");
      const size_t bad = data::utf8_invalid_at(m.data(), m.size());
      if (bad != m.size())
        throw Error((from_stdin ? "<stdin>:" : "argument ") + std::to_string(i + 1) + ": invalid UTF-8 at byte " +
                    std::to_string(bad) + " (--typeable drops it)");
    }
    starts.push_back(joined.size());
    joined += m;
    if (i + 1 < messages.size() || !args.has("no-enter")) joined += '\n';
  }

  std::vector<hid::Report> reports;
  try {
    reports = hid::encode_text(joined, *layout, eo);
  } catch (const hid::EncodeError& e) {
    std::string what = e.what();
    const std::string prefix = "byte offset " + std::to_string(e.offset()) + ": ";
    if (what.compare(0, prefix.size(), prefix) == 0) what = what.substr(prefix.size());
    what = what.substr(0, what.find(" (keep_typeable"));  // our own advice follows
    const size_t on = what.find("this layout");
    if (on != std::string::npos) what.replace(on, 11, "layout " + args.get("layout"));
    throw Error(where_of(starts, e.offset(), from_stdin) + ": " + what + " (--typeable drops such characters)");
  }

  const bool json = args.has("json");
  auto json_head = [&] {
    return "{\"layout\":" + json_quote(args.get("layout")) + ",\"format\":" + json_quote(fmt) +
           ",\"messages\":" + std::to_string(messages.size()) + ",\"reports\":" + std::to_string(reports.size());
  };
  if (!to_file) {
    const std::string hex = hid::format_hex(reports);
    if (json) {
      std::string o = json_head() + ",\"hex\":[";
      size_t from = 0;
      for (bool first = true; from < hex.size(); first = false) {
        const size_t eol = std::min(hex.find('\n', from), hex.size());
        o += (first ? "" : ",") + json_quote(hex.substr(from, eol - from));
        from = eol + 1;
      }
      std::cout << o << "]}\n";
    } else {
      std::cout << hex;
    }
    std::cout.flush();
    if (!std::cout) throw Error("hid-type: cannot write the output");
    return 0;
  }
  const std::string out = args.get("output");
  if (format == hid::CaptureFormat::kHex) {
    hid::write_hex(out, reports);
  } else if (format == hid::CaptureFormat::kRaw) {
    hid::write_raw(out, reports);
  } else {
    hid::write_usbmon(out, hid::keyboard_packets(reports), link == "usbpcap" ? 249 : 220, fmt == "pcapng");
  }
  if (json) {
    std::cout << json_head() << ",\"output\":" << json_quote(out) << "}\n";
    std::cout.flush();
    if (!std::cout) throw Error("hid-type: cannot write the output");
  }
  return 0;
}

}  // namespace tt::cli
