// tinytext hid MODEL CAPTURE: decodes USB HID keyboard reports and classifies each typed message.
//
// Int8 models run the device path exactly: decoder (tinytext/hid.h) -> HidEditor -> streaming
// model state (tinytext/model.h), glued by src/hid/verdict.h, the same code the boards run.
// Float models score the decoded text (a text field: Backspace erases the last character, no
// limit) with quant::LoadedModel. Scores are printed as `predict` prints them.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/hid_layout.h"
#include "cli/score_format.h"
#include "common/error.h"
#include "common/json.h"
#include "eval/metrics.h"
#include "hid/capture.h"
#include "hid/classify.h"
#include "hid/keyboard.h"
#include "hid/verdict.h"
#include "quant/any_model.h"

namespace tt::cli {

namespace {

// The largest int8 model the CLI accepts (the runtime's own limits).
using Verdict = hid::KeyboardVerdict<kModelMaxDim, kModelMaxDim, kModelMaxDim, hid::kEditorBytes>;
using Scores = ModelScores<kModelMaxDim>;
using Step = hid::VerdictStep<kModelMaxDim>;

void write_out(const std::string& s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) throw Error("hid: cannot write the output");
}

// Formats one result line, in predict's form.
struct Printer {
  ScoreFormat format;
  bool json = false;
  bool live = false;

  // kind: "enter" or "capture" for a message, "" for a live line. q: the device's integers (int8).
  void print(size_t message, const std::string& text, const std::vector<double>& s, const char* kind, bool inexact,
             const Scores* q) const {
    const bool is_live = kind[0] == 0;
    std::string o;
    if (json) {
      o = format.json_fields(text, s) + ",\"message\":" + std::to_string(message);
      if (is_live) {
        o += ",\"live\":true";
      } else {
        o += ",\"end\":\"" + std::string(kind) + "\",\"inexact\":" + (inexact ? "true" : "false");
      }
      if (q) {
        o += ",\"logit_q16\":[";
        for (size_t j = 0; j < s.size(); ++j) o += (j ? "," : "") + std::to_string(q->logit[j]);
        o += "],\"prob_q15\":[";
        for (size_t j = 0; j < s.size(); ++j) o += (j ? "," : "") + std::to_string(q->prob[j]);
        o += "]";
      }
      o += "}\n";
    } else {
      o = is_live ? "  live " + std::to_string(message) + "\t" : "message " + std::to_string(message) + "\t";
      o += format.plain(s) + "\t" + json_quote(text);
      if (inexact) o += "\t(inexact: a Backspace reached committed text)";
      o += "\n";
    }
    write_out(o);
  }
};

// The double scores of the device's integers, as quant::LoadedModel::scores computes them.
std::vector<double> doubles_of(const Scores& q, uint16_t outputs, bool softmax) {
  std::vector<double> s;
  for (uint16_t k = 0; k < outputs; ++k)
    s.push_back(softmax ? quant::score_of_rank_q30(q.rank[k]) : quant::score_of_logit_q16(q.logit[k]));
  return s;
}

struct Totals {
  size_t messages = 0;
  size_t inexact = 0;
};

// The device path. The observer mirrors the text the model has seen (a refused Backspace leaves
// it unchanged), so every printed text scores the same under `predict`.
struct DeviceRun {
  DeviceRun(const Printer& p, uint16_t k, bool sm) : printer(p), outputs(k), softmax(sm) {}
  const Printer& printer;
  uint16_t outputs;
  bool softmax;
  std::unique_ptr<Scores> scores = std::make_unique<Scores>();
  std::string text;
  bool inexact = false;
  bool dirty = false;  // the text changed since the last line printed
  Totals totals;

  void emit(const Verdict& v, const char* kind) {
    hid::verdict_read(v, *scores);
    printer.print(totals.messages + 1, text, doubles_of(*scores, outputs, softmax), kind, inexact, scores.get());
  }
  void operator()(const Verdict& v, const HidEvent& e, Status s) {
    if (e.kind == kHidText) {
      text.push_back(static_cast<char>(e.byte));
      dirty = true;
    } else if (e.kind == kHidBackspace) {
      if (s == kOk) {
        hid::erase_last_char(text);
      } else {
        inexact = true;
      }
      dirty = true;
    } else if (e.kind == kHidEnd) {
      emit(v, "enter");
      end_message();
    }
  }
  void end_message() {
    ++totals.messages;
    if (inexact) ++totals.inexact;
    text.clear();
    inexact = dirty = false;
  }
};

Totals run_device(const quant::LoadedModel& model, const Printer& printer, const hid::Capture& cap,
                  const HidLayout* layout, const std::string& name) {
  const quant::QuantModel* q = model.int8_model();
  const tt::Model m = q->view();  // points into *q, which outlives this call
  auto v = std::make_unique<Verdict>();
  if (hid::verdict_init(*v, m, layout) != kOk) throw Error("hid: the model does not fit the runtime state");
  auto step = std::make_unique<Step>();
  DeviceRun run(printer, m.outputs, (m.flags & kModelSoftmax) != 0);
  for (size_t i = 0; i < cap.reports.size(); ++i) {
    const Status s = hid::verdict_feed_report(*v, cap.reports[i].data(), cap.reports[i].size(), step.get(), run);
    if (s != kOk) throw Error(name + ": report " + std::to_string(i + 1) + ": refused by the decoder (" +
                              quant::status_name(s) + ")");
    if (printer.live && run.dirty) {
      run.emit(*v, "");
      run.dirty = false;
    }
  }
  if (!hid::verdict_empty(*v)) {
    run.emit(*v, "capture");
    run.end_message();
  }
  return run.totals;
}

// The float path: the same decoder, a text field, LoadedModel on the text.
Totals run_float(quant::LoadedModel& model, const Printer& printer, const hid::Capture& cap, const HidLayout* layout,
                 const std::string& name) {
  HidKeyboard kb;
  hid_keyboard_init(kb, layout);
  Totals totals;
  std::string text;
  bool dirty = false;
  HidEvent ev[kHidMaxEventsPerReport];
  for (size_t i = 0; i < cap.reports.size(); ++i) {
    uint8_t n = 0;
    const Status s = hid_feed_report(kb, cap.reports[i].data(), cap.reports[i].size(), ev, kHidMaxEventsPerReport, &n);
    if (s != kOk) throw Error(name + ": report " + std::to_string(i + 1) + ": refused by the decoder (" +
                              quant::status_name(s) + ")");
    for (uint8_t j = 0; j < n; ++j) {
      if (ev[j].kind == kHidText) {
        text.push_back(static_cast<char>(ev[j].byte));
        dirty = true;
      } else if (ev[j].kind == kHidBackspace) {
        hid::erase_last_char(text);
        dirty = true;
      } else if (ev[j].kind == kHidEnd) {
        printer.print(++totals.messages, text, model.scores(text), "enter", false, nullptr);
        text.clear();
        dirty = false;
      }
    }
    if (printer.live && dirty) {
      printer.print(totals.messages + 1, text, model.scores(text), "", false, nullptr);
      dirty = false;
    }
  }
  if (!text.empty()) printer.print(++totals.messages, text, model.scores(text), "capture", false, nullptr);
  return totals;
}

hid::Capture read_input(const std::string& path, const hid::CaptureFormat* format) {
  if (path != "-") return hid::read_capture(path, format);
  std::string bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) throw Error("<stdin>: read error");
  const hid::CaptureFormat f = format ? *format : hid::sniff_format(bytes);
  if (f == hid::CaptureFormat::kHex) return hid::parse_hex(bytes, "<stdin>");
  if (f == hid::CaptureFormat::kRaw) return hid::parse_raw(bytes, "<stdin>");
  return hid::parse_usbmon(bytes, "<stdin>");
}

}  // namespace

int cmd_hid(int argc, char** argv) {
  std::vector<Option> options = {
      {"format", "hex|raw|pcap", "capture format (pcap: a Linux usbmon or Windows USBPcap pcap or pcapng file) [default: from the content]",
       ""},
      layout_option(),
      flag("live", "also print the scores after every key that changes the text"),
      flag("json",
           "one JSON object per line: predict's {\"text\", \"scores\", \"label\"} plus \"message\", "
           "\"end\", \"inexact\" (int8: \"logit_q16\", \"prob_q15\")"),
  };
  Args args("hid", "MODEL CAPTURE [options]", options, argc, argv, 2);
  if (args.show_help(R"(Decodes a keyboard capture (boot-protocol reports; CAPTURE '-' reads stdin) and prints each
message -- the text up to Enter or keypad Enter, or up to the end of the capture -- with the
model's verdict. Scores are the ones 'tinytext predict' prints for the same text.
  plain:  message N<TAB>PREDICTED<TAB>label=score ...<TAB>"text"
  --live: also '  live N<TAB>...' lines, one per report that changed the text
  --json: {"text","scores","label","message","end":"enter"|"capture","inexact"}
          (live lines: "live":true instead of "end"/"inexact")
Int8 models run the device code (decoder -> Backspace-exact editor -> streaming model);
Backspace is exact over the last )" + std::to_string(hid::kEditorBytes) + R"( bytes of a message. A Backspace reaching further back is
refused, as on the device: the text shown is what the model saw, and the message is
marked inexact. Float models score the decoded text with no such limit.
Skipped capture packets (not reports of the keyboard endpoint) are counted on stderr.
See docs/hid.md.
)"))
    return 0;
  const auto& pos = args.positional();
  if (pos.size() != 2) throw UsageError("hid: expected MODEL CAPTURE (see --help)");
  const std::string& model_path = pos[0];
  const std::string& capture_path = pos[1];
  const HidLayout* layout = layout_arg(args, "hid");
  hid::CaptureFormat format{};
  const bool has_format = args.has("format");
  if (has_format) format = hid::format_by_name(args.get("format"));

  quant::LoadedModel model = quant::LoadedModel::load(model_path);
  const hid::Capture cap = read_input(capture_path, has_format ? &format : nullptr);
  const std::string name = capture_path == "-" ? "<stdin>" : capture_path;
  if (cap.skipped > 0) {
    std::cerr << "hid: " << name << ": skipped " << cap.skipped
              << " USB packet(s) that are not reports of the keyboard endpoint (URB submissions, other transfers "
                 "or endpoints; reports come from bus " << cap.bus << ", device "
              << cap.device << ", endpoint 0x" << std::hex << cap.endpoint << std::dec << ")\n";
  }

  const Printer printer{ScoreFormat(model), args.has("json"), args.has("live")};

  const Totals t = model.is_int8() ? run_device(model, printer, cap, layout, name)
                                   : run_float(model, printer, cap, layout, name);
  if (t.inexact > 0) {
    std::cerr << "hid: " << name << ": " << t.inexact << " message(s) inexact: a Backspace reached more than "
              << int(hid::kEditorBytes) << " bytes back; their verdict includes text that was erased on screen\n";
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw Error("hid: cannot write the output");
  return 0;
}

}  // namespace tt::cli
