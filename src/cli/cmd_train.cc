// tinytext train DATA [reader options] -o MODEL: trains the float model, or with --qat the int8
// model (quantisation-aware training) directly.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#if defined(__GLIBC__)  // set by the C++ headers above
#include <malloc.h>
#endif

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/model_sizes.h"
#include "cli/reader_options.h"
#include "cli/steps.h"
#include "common/error.h"
#include "common/file.h"
#include "data/dataset.h"
#include "export/boards.h"
#include "common/json.h"
#include "model/model_io.h"
#include "quant/quantize.h"
#include "train/trainer.h"

namespace tt::cli {

static_assert(data::kMaxLabels == kMaxOutputs, "a dataset holds no more labels than a model has outputs");

namespace {

// The flags of train, with their live defaults.
std::vector<Option> train_flags() {
  const train::TrainRequest d;  // live defaults
  ModelShape lin, emb;  // a linear and an embedding shape, for the defaults that depend on it
  lin.linear = true;
  lin.dim = 1;
  const auto num = [](float v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", static_cast<double>(v));
    return std::string(b);
  };
  std::vector<Option> options = {
      {"output", "MODEL", "model file to write", ""},
      {"max-flash", "SIZE",
       "weights budget in bytes (4K, 32K, ...; one byte per parameter incl. biases); picks the shape, see below. "
       "Default when no --buckets/--dim/--hidden/--linear is given",
       "32K"},
      {"board", "NAME", "train the largest model that fits this board (docs/boards.md): " + exporter::board_names(), ""},
      {"buckets", "N", "hash buckets B (1..65536)", std::to_string(train::kDefaultBuckets)},
      {"dim", "D", "embedding width", std::to_string(train::kDefaultDim)},
      {"hidden", "H", "hidden ReLU units, 0 for none", "0"},
      flag("linear", "pure hashed linear model: no output layer, D = outputs"),
      {"word-ngrams", "N", "1: words; 2: words and bigrams (default 1 for --max-flash up to 8K)",
       std::to_string(train::kDefaultWordNgrams)},
      {"char-ngrams", "MIN-MAX", "character n-grams of <word>, or 0 for none (default 3-4 for --max-flash up to 8K)",
       std::to_string(train::kDefaultCharMin) + "-" + std::to_string(train::kDefaultCharMax)},
      {"digits", "fold|keep",
       "fold: every digit is hashed as '0' (numbers of one shape share their features); keep: as it is "
       "(default: fold for one output, keep otherwise)",
       ""},
      {"pool", "mean|sqrt|sum", "embedding bag pooling", pool_name(d.pool)},
      {"loss", "sigmoid|softmax", "output head (default: softmax for multi-class data, else sigmoid)", ""},
      {"epochs", "N", "maximum epochs", std::to_string(d.epochs)},
      {"lr", "RATE",
       "learning rate, decayed linearly to 0 (default: AdaGrad " + num(train::default_lr(train::Optimizer::kAdagrad, lin)) +
           " for --linear models, " + num(train::default_lr(train::Optimizer::kAdagrad, emb)) + " otherwise; Adam " +
           num(train::default_lr(train::Optimizer::kAdam, emb)) + ")",
       ""},
      {"batch", "N", "mini-batch size", std::to_string(d.batch)},
      {"optimizer", "adagrad|adam", "optimiser (lazy updates of the embedding rows a batch touches)", "adagrad"},
      {"l2", "L",
       "L2 penalty on the weights (default: " + num(train::default_l2(lin)) + " for linear models, " +
           num(train::default_l2(emb)) + " otherwise)",
       ""},
      {"class-weight", "auto|balanced|none",
       "balanced: weigh classes by n / (classes x count); auto: balanced for softmax heads (macro-F1), none for "
       "sigmoid heads (ROC AUC)",
       "auto"},
      {"valid", "FRACTION",
       "held out for early stopping and thresholds, 0 for none: train on every row for every epoch, thresholds "
       "from the training rows (default: 0 for linear models without --refit, 0.1 otherwise)",
       ""},
      {"patience", "N", "stop after N epochs without a better validation metric", std::to_string(d.patience)},
      {"keep", "best|last", "the epoch kept: the best on the validation rows (early stopping) or the last", "best"},
      flag("refit", "after early stopping, retrain on all rows (training + validation) for the best epoch count"),
      flag("qat",
           "quantisation-aware training: train through the int8 weights and write the int8 model (kind 1, as "
           "'quantize' writes) instead of the float one"),
      {"margin", "M", "with --qat: keep M x the largest activation seen in training (as quantize --margin)",
       num(static_cast<float>(d.qat_margin))},
      {"nb", "ALPHA",
       "linear models: NB-weighted training (NB-LR): while training, scale each bucket by (1 - BETA) + BETA |r| / "
       "mean |r|, r its log-count ratio with smoothing ALPHA; the model file is unchanged. 0: off (default: " +
           num(train::default_nb_alpha(lin)) + " for linear models, off otherwise)",
       ""},
      {"nb-beta", "BETA", "with --nb: interpolation between plain (0) and fully NB-scaled (1) training",
       std::to_string(train::kDefaultNbBeta).substr(0, 4)},
      {"kind-scale", "C,W,B",
       "linear models: scale of the character n-gram, word and bigram features while training (a per-kind step "
       "size and L2 strength 1/s^2; a bucket shared by several kinds gets their mean); the model file is unchanged",
       "1,1,1"},
      flag("text-row",
           "one more embedding row that every text contains (--text-row-count times: a learned bias divided by the "
           "pool's n, a length term; K more parameters; default: on for linear models, off otherwise)"),
      flag("no-text-row", "no text row"),
      {"text-row-count", "C",
       "with the text row: every text contains it C times (1.." + std::to_string(kMaxTextRowCount) +
           ": n grows by C and the sum by C times the row; the model file and the device image carry C; "
           "default: " +
           std::to_string(train::kDefaultLinearTextRowCount) + " for linear models, 1 otherwise)",
       ""},
      {"text-row-reg", "feature|nb|l2|none",
       "with --text-row: what applies to the text row while training: the NB scale and the L2 penalty (feature, "
       "like any bucket), one of them, or none (like a bias)",
       "none"},
      {"exact-table", "N",
       "an exact table of the N features with the largest weights of a selection pass (a linear model on the "
       "unhashed features): groups of 4 slots, " + std::to_string(static_cast<int>(train::kTableLoad * 100)) +
           "% full, each slot a fingerprint byte and an embedding row; every other feature stays hashed. With "
           "--max-flash the buckets shrink to pay for it. 0: off (default: " +
           std::to_string(train::kDefaultTablePer4K) +
           " per 4K of --max-flash up to 8K for linear models with one output and no --buckets, off otherwise)",
       ""},
      {"table-sample", "SIZE",
       "the exact table's selection pass reads at most SIZE bytes of text: beyond it, a seeded sample of "
       "the training rows (it keeps about 7 bytes of RAM per byte of text it reads)",
       std::to_string(train::kTableSelectBytes >> 20) + "M"},
      {"feature-memory", "SIZE",
       "tokenized features held in memory, at most (estimated at " + std::to_string(train::kFeatureBytesPerTextByte) +
           " bytes per byte of text): beyond it the texts, then their features, go to temporary files in $TMPDIR "
           "and each pass reads them back on a second thread (the same model, less memory; about 2 bytes of disk "
           "per feature)",
       std::to_string(train::kFeatureMemory >> 20) + "M"},
      {"seed", "S", "random seed; same data, options and seed give the same model file", std::to_string(d.seed)},
      {"threads", "N", "worker threads (the model does not depend on it)", std::to_string(d.threads)},
      flag("quiet", "no progress on stderr"),
      flag("json", "print a JSON summary on stdout"),
  };
  // --help leads with what every user needs (data, labels, budget, output); the shape, the
  // optimiser and the research knobs (whose defaults were chosen by cross-validation) follow.
  std::vector<Option> data;
  add_reader_options(data);
  for (auto& opt : data) opt.section = "data and labels";
  options.insert(options.begin(), data.begin(), data.end());
  auto section_of = [](const std::string& n) -> std::string {
    for (const char* x : {"output", "max-flash", "board", "seed", "threads", "quiet", "json"})
      if (n == x) return "output and budget";
    for (const char* x : {"buckets", "dim", "hidden", "linear", "word-ngrams", "char-ngrams", "digits", "pool", "loss"})
      if (n == x) return "model shape (instead of --max-flash's choice)";
    for (const char* x : {"epochs", "lr", "batch", "optimizer", "l2", "class-weight", "valid", "patience", "keep",
                          "refit", "qat", "margin"})
      if (n == x) return "training";
    return "advanced (research knobs; defaults chosen by cross-validation, docs/training.md)";
  };
  for (auto& opt : options)
    if (opt.section.empty()) opt.section = section_of(opt.name);
  return options;
}

// The request: every flag given, nothing else (train::resolve decides the defaults).
train::TrainRequest request_from(const Args& args) {
  train::TrainRequest o;
  if (args.has("word-ngrams")) o.word_ngrams = static_cast<uint8_t>(args.get_int("word-ngrams", 1, 2));
  if (args.has("char-ngrams")) {
    TokenizerConfig t{};
    parse_char_ngrams("train", args.get("char-ngrams"), t);
    o.char_ngrams = std::array<uint8_t, 2>{t.char_min, t.char_max};
  }
  if (args.has("buckets")) {
    const auto b = static_cast<uint32_t>(args.get_int("buckets", 0, 1 << 30));
    if (b == 0) throw UsageError("train: --buckets must be at least 1");
    if (b > kMaxBuckets)
      throw UsageError("train: --buckets must be at most " + std::to_string(kMaxBuckets) + " (features are 16-bit)");
    o.buckets = b;
  }
  if (args.has("dim")) o.dim = static_cast<uint32_t>(args.get_int("dim", 1, kMaxDim));
  if (args.has("hidden")) o.hidden = static_cast<uint32_t>(args.get_int("hidden", 0, kMaxHidden));
  o.linear = args.has("linear");
  if (o.linear && o.hidden.value_or(0)) throw UsageError("train: --linear has no hidden layer; drop --hidden");
  const bool size_given = o.buckets || o.dim || o.hidden || o.linear;
  if (args.has("board")) {  // the largest model that fits the board with the runtime and a sketch
    if (args.has("max-flash") || size_given)
      throw UsageError("train: --board picks the size; drop --max-flash and the shape options");
    o.max_flash = exporter::weights_budget(board_arg("train", args.get("board")));
  } else if (args.has("max-flash") || !size_given) {
    o.max_flash = args.get_size("max-flash");
    if (*o.max_flash == 0) throw UsageError("train: --max-flash must be positive");
  }
  const std::string pool = args.get("pool");
  if (pool == "mean")
    o.pool = Pool::kMean;
  else if (pool == "sqrt")
    o.pool = Pool::kSqrt;
  else if (pool == "sum")
    o.pool = Pool::kSum;
  else
    throw UsageError("train: --pool must be mean, sqrt or sum, got '" + pool + "'");
  if (args.has("loss")) {
    const std::string l = args.get("loss");
    if (l == "sigmoid")
      o.head = Head::kSigmoid;
    else if (l == "softmax")
      o.head = Head::kSoftmax;
    else
      throw UsageError("train: --loss must be sigmoid or softmax, got '" + l + "'");
  }
  o.epochs = static_cast<uint32_t>(args.get_int("epochs", 1, 100000));
  if (args.has("lr")) o.lr = static_cast<float>(args.get_double("lr", 1e-12, 1e30));
  o.batch = static_cast<uint32_t>(args.get_int("batch", 1, 1 << 20));
  const std::string opt = args.get("optimizer");
  if (opt == "adagrad")
    o.optimizer = train::Optimizer::kAdagrad;
  else if (opt == "adam")
    o.optimizer = train::Optimizer::kAdam;
  else
    throw UsageError("train: --optimizer must be adagrad or adam, got '" + opt + "'");
  if (args.has("l2")) o.l2 = static_cast<float>(args.get_double("l2", 0, 1e6));
  const std::string cw = args.get("class-weight");
  if (cw == "auto")
    o.class_weight = train::ClassWeight::kAuto;
  else if (cw == "balanced")
    o.class_weight = train::ClassWeight::kBalanced;
  else if (cw == "none")
    o.class_weight = train::ClassWeight::kNone;
  else
    throw UsageError("train: --class-weight must be auto, balanced or none, got '" + cw + "'");
  if (args.has("valid")) o.valid = args.get_double("valid", 0, 0.9);
  o.patience = static_cast<uint32_t>(args.get_int("patience", 1, 100000));
  o.refit = args.has("refit");
  if (args.has("keep")) {
    const std::string k = args.get("keep");
    if (k != "best" && k != "last") throw UsageError("train: --keep must be best or last, got '" + k + "'");
    o.keep_last = k == "last";
  }
  o.qat = args.has("qat");
  if (args.has("nb")) o.nb_alpha = static_cast<float>(args.get_double("nb", 0, 1e6));
  o.nb_beta = static_cast<float>(args.get_double("nb-beta", 0, 1));
  if (args.has("kind-scale")) {
    const std::string v = args.get("kind-scale");
    double a = 0, b = 0, c = 0;
    char tail = 0;
    if (std::sscanf(v.c_str(), "%lf,%lf,%lf%c", &a, &b, &c, &tail) != 3 || !(a > 0 && b > 0 && c > 0) || a > 100 ||
        b > 100 || c > 100)
      throw UsageError("train: --kind-scale needs three positive factors C,W,B (at most 100), got '" + v + "'");
    o.kind_scale = {static_cast<float>(a), static_cast<float>(b), static_cast<float>(c)};
  }
  if (args.has("text-row") && args.has("no-text-row"))
    throw UsageError("train: --text-row or --no-text-row, not both");
  if (args.has("text-row-reg") && args.has("no-text-row"))
    throw UsageError("train: --text-row-reg applies to the text row; drop it or --no-text-row");
  if (args.has("text-row-count") && args.has("no-text-row"))
    throw UsageError("train: --text-row-count applies to the text row; drop it or --no-text-row");
  if (args.has("text-row-count"))
    o.text_row_count = static_cast<uint32_t>(args.get_int("text-row-count", 1, kMaxTextRowCount));
  if (args.has("text-row")) o.text_row = true;
  if (args.has("no-text-row")) o.text_row = false;
  {
    const std::string r = args.get("text-row-reg");
    if (r != "feature" && r != "nb" && r != "l2" && r != "none")
      throw UsageError("train: --text-row-reg must be feature, nb, l2 or none, got '" + r + "'");
    o.text_row_nb = r == "feature" || r == "nb";
    o.text_row_l2 = r == "feature" || r == "l2";
  }
  o.qat_margin = args.get_double("margin", 1.0, 1000.0);
  if (args.has("margin") && !o.qat) throw UsageError("train: --margin applies to --qat only");
  if (args.has("exact-table")) o.exact_table = static_cast<uint32_t>(args.get_int("exact-table", 0, 65536));
  if (args.has("digits")) o.fold_digits = parse_digits("train", args.get("digits")) != 0;
  o.table_select_bytes = args.get_size("table-sample");
  if (o.table_select_bytes == 0) throw UsageError("train: --table-sample must be at least 1 byte");
  o.feature_memory = args.get_size("feature-memory");
  o.seed = static_cast<uint64_t>(args.get_int("seed", 0, INT64_MAX));
  o.threads = static_cast<uint32_t>(args.get_int("threads", 1, 256));
  o.quiet = args.has("quiet");
  return o;
}

// Checks what can be checked without the data, before reading it.
void check_request(const train::TrainRequest& o) {
  ModelShape probe;
  probe.tokenizer.buckets = o.buckets.value_or(train::kDefaultBuckets);
  probe.dim = o.dim.value_or(train::kDefaultDim);
  probe.hidden = o.hidden.value_or(0);
  probe.linear = o.linear;
  probe.outputs = o.linear ? probe.dim : 1;
  if (o.head == Head::kSoftmax) probe.outputs = std::max<uint32_t>(2, probe.outputs);
  if (!o.max_flash) {
    if (o.linear && !o.dim) probe.dim = probe.outputs;
    probe.check();
  }
}

// The training options recorded in the model file (what was given; "default" for the rest).
std::string info_text(const train::TrainRequest& o, const Args& args) {
  const std::string opt = args.get("optimizer"), cw = args.get("class-weight");
  char info[512];
  std::snprintf(info, sizeof info,
                "tinytext train: epochs=%u lr=%g batch=%u optimizer=%s l2=%s class-weight=%s valid=%s "
                "patience=%u refit=%d qat=%d nb=%g nb-beta=%g seed=%llu",
                o.epochs, static_cast<double>(o.lr.value_or(0.0f)), o.batch, opt.c_str(),
                o.l2 ? std::to_string(*o.l2).c_str() : "default", cw.c_str(),
                o.valid ? std::to_string(*o.valid).c_str() : "default", o.patience, o.refit ? 1 : 0, o.qat ? 1 : 0,
                static_cast<double>(o.nb_alpha.value_or(-1.0f)), static_cast<double>(o.nb_beta),
                static_cast<unsigned long long>(o.seed));
  std::string text = info;
  if (o.text_row) text += *o.text_row ? " text-row=1" : " text-row=0";
  if (args.has("text-row-reg")) text += " text-row-reg=" + args.get("text-row-reg");
  if (o.text_row_count) text += " text-row-count=" + std::to_string(*o.text_row_count);
  if (o.exact_table) text += " exact-table=" + std::to_string(*o.exact_table);
  if (o.fold_digits) text += *o.fold_digits ? " digits=fold" : " digits=keep";
  if (args.has("table-sample")) text += " table-sample=" + std::to_string(o.table_select_bytes);
  if (o.kind_scale != std::array<float, 3>{1.0f, 1.0f, 1.0f}) {
    char ks[96];
    std::snprintf(ks, sizeof ks, " kind-scale=%g,%g,%g", static_cast<double>(o.kind_scale[0]),
                  static_cast<double>(o.kind_scale[1]), static_cast<double>(o.kind_scale[2]));
    text += ks;
  }
  return text;
}

}  // namespace

TrainSetup train_setup(const std::vector<std::string>& flags) {
  std::vector<std::string> words = {"tinytext", "train"};
  words.insert(words.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  const Args args("train", "", train_flags(), static_cast<int>(argv.size()), argv.data(), 2);
  if (!args.positional().empty()) throw UsageError("train: unexpected argument '" + args.positional()[0] + "'");
  TrainSetup t;
  t.request = request_from(args);
  t.reader = reader_options(args);
  check_request(t.request);
  t.request.info = info_text(t.request, args);
  return t;
}

Trained train_on(data::Dataset data, const train::TrainRequest& o, train::TrainReport* rep) {
  Trained t;
  const std::string summary = data::summary_json(data.summary);
  t.float_model = train::train(std::move(data), o, rep);  // the trainer may free the rows as it goes
  t.float_model.data = summary;
  if (o.qat) {
    char qinfo[160];
    std::snprintf(qinfo, sizeof qinfo,
                  "quantisation-aware training (tinytext train --qat); activation ranges from %zu training "
                  "examples; margin %g",
                  rep->qat_ranges.examples, o.qat_margin);
    t.int8_model = quant::quantize(t.float_model, rep->qat_ranges, qinfo);
  }
  return t;
}

int cmd_train(int argc, char** argv) {
  std::vector<Option> options = train_flags();
  Args args("train", "DATA [options] -o MODEL", options, argc, argv, 2);
  if (args.show_help(R"(Before training, train prints what it took from DATA (format, columns, rows, classes, the
positive label) and warnings; see docs/cli.md.

)" + train::budget_rule_text() + "\n"))
    return 0;
  if (args.positional().size() != 1) throw UsageError("train: expected one DATA file (see --help)");
  if (!args.has("output")) throw UsageError("train: missing -o MODEL (see --help)");
  const std::string data_path = args.positional()[0];
  const std::string out_path = args.get("output");
  if (out_path.empty()) throw UsageError("train: -o needs a file name");
  check_outputs({out_path}, {data_path});

  train::TrainRequest o = request_from(args);
  data::ReaderOptions ro = reader_options(args);
  check_request(o);
  // The texts whose features would not be held are not held either (trainer.cc).
  ro.text_memory = o.feature_memory / train::kFeatureBytesPerTextByte;
#if defined(__GLIBC__)
  // Blocks of 128 KB and more mapped on their own, so that what the reading frees goes back to the
  // system. glibc's default raises this threshold to the largest block freed (the reader's 8 MiB
  // chunks), after which the index chunks and blocks come from the heap and stay in the process
  // when freed: 1M synthetic rows, 32K, 1 epoch: RSS while training 109 -> 37 MB, peak 145 -> 91 MB.
  mallopt(M_MMAP_THRESHOLD, 128 << 10);
#endif

  data::Dataset data = data::read_dataset(data_path, ro);
  print_summary(data.summary, o.quiet);
  o.info = info_text(o, args);
  train::TrainReport rep;
  const Trained t = train_on(std::move(data), o, &rep);
  const FloatModel& m = t.float_model;
  if (t.int8_model)
    quant::save_quant(out_path, *t.int8_model);
  else
    save_model(out_path, m);
  if (!o.quiet)
    std::fprintf(stderr, "wrote %s: %s (%s, %llu bytes of weights)\n", out_path.c_str(), m.shape.describe().c_str(),
                 o.qat ? "int8" : "float; quantize it for the device",
                 static_cast<unsigned long long>(m.shape.parameter_count()));
  if (args.has("json")) {
    std::printf("{\"model\":%s,\"buckets\":%u,\"dim\":%u,\"hidden\":%u,\"outputs\":%u,\"linear\":%s,"
                "\"text_row\":%s,\"text_row_count\":%u,\"head\":\"%s\",\"pool\":\"%s\",\"parameters\":%llu,\"train_examples\":%zu,"
                "\"valid_examples\":%zu,\"epochs_run\":%zu,\"best_epoch\":%u,\"valid_metric\":\"%s\","
                "\"valid_value\":%.6f,\"seconds\":%.3f,\"kind\":\"%s\",\"data_summary\":%s}\n",
                json_quote(out_path).c_str(), m.shape.tokenizer.buckets, m.shape.dim, m.shape.hidden,
                m.shape.outputs, m.shape.linear ? "true" : "false", m.shape.text_row ? "true" : "false",
                m.shape.text_row ? unsigned{m.shape.text_row_count} : 0u,
                head_name(m.shape.head), pool_name(m.shape.pool),
                static_cast<unsigned long long>(m.shape.parameter_count()), rep.train_examples, rep.valid_examples,
                rep.epochs.size(), rep.best_epoch, rep.metric_name.c_str(),
                rep.valid_examples ? rep.best_metric : 0.0, rep.tokenize_seconds + rep.train_seconds,
                o.qat ? "int8" : "float32", m.data.c_str());
  }
  return 0;
}

}  // namespace tt::cli
