// tinytext._tinytext: the host library as a Python extension (pybind11). Every step calls the
// code the CLI runs (src/cli/steps.h and the libraries under src/); the estimator that sklearn
// sees is Python (tinytext/__init__.py) over these functions.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/args.h"
#include "cli/labelled.h"
#include "cli/model_sizes.h"
#include "cli/reader_options.h"
#include "cli/steps.h"
#include "common/cancel.h"
#include "common/error.h"
#include "data/dataset.h"
#include "data/summary.h"
#include "export/boards.h"
#include "export/export.h"
#include "model/model_io.h"
#include "quant/any_model.h"
#include "tinytext/hash.h"
#include "tokenize/reference.h"

namespace py = pybind11;

namespace tt::python {
namespace {

// Runs fn() on another thread with the GIL released. A signal (Ctrl-C) raised meanwhile sets the
// cancel flag (common/cancel.h), waits for the computation to stop, and raises the signal's
// exception (KeyboardInterrupt); C++ exceptions from fn propagate.
template <class Fn>
auto interruptible(Fn fn) -> decltype(fn()) {
  cancel_flag().store(false);
  auto done = std::async(std::launch::async, std::move(fn));
  for (;;) {
    {
      py::gil_scoped_release release;
      if (done.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) break;
    }
    if (PyErr_CheckSignals() != 0) {
      cancel_flag().store(true);
      {
        py::gil_scoped_release release;
        done.wait();
      }
      cancel_flag().store(false);
      try {
        done.get();
      } catch (const std::exception&) {
        // The computation's own end (Cancelled); the signal's exception is what the caller sees.
      }
      throw py::error_already_set();
    }
  }
  return done.get();
}

// quantize's default --margin, as its text.
std::string default_margin() {
  char text[32];
  std::snprintf(text, sizeof text, "%g", numerics::QuantOptions{}.margin);
  return text;
}

// A table in memory: a "text" column, then one column per label name.
std::vector<std::string> cells_of(const std::vector<std::string>& texts, const std::vector<std::vector<std::string>>& labels,
                                  const std::vector<std::string>& label_names) {
  if (labels.size() != label_names.size())
    throw UsageError(std::to_string(labels.size()) + " label columns for " + std::to_string(label_names.size()) +
                     " names");
  for (const auto& col : labels)
    if (col.size() != texts.size())
      throw UsageError("texts and labels differ in length: " + std::to_string(texts.size()) + " texts, " +
                       std::to_string(col.size()) + " labels");
  const size_t columns = 1 + labels.size();
  std::vector<std::string> cells;
  cells.reserve((texts.size() + 1) * columns);
  cells.push_back("text");
  for (const auto& n : label_names) cells.push_back(n);
  for (size_t r = 0; r < texts.size(); ++r) {
    cells.push_back(texts[r]);
    for (const auto& col : labels) cells.push_back(col[r]);
  }
  return cells;
}

// Reads in-memory rows with the text column and the label columns named.
data::Dataset dataset_of(const std::string& name, const std::vector<std::string>& texts,
                         const std::vector<std::vector<std::string>>& labels,
                         const std::vector<std::string>& label_names, data::ReaderOptions ro) {
  ro.text_column = "text";
  ro.label_columns = label_names;
  ro.header = true;
  return data::read_rows(name, 1 + labels.size(), cells_of(texts, labels, label_names), ro);
}

py::array_t<uint8_t> targets_array(const data::Dataset& d) {
  py::array_t<uint8_t> a({static_cast<py::ssize_t>(d.size()), static_cast<py::ssize_t>(d.outputs())});
  std::copy(d.targets.begin(), d.targets.end(), a.mutable_data());
  return a;
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

// A model of either kind, as the CLI's scoring commands hold it.
class Model {
 public:
  explicit Model(quant::LoadedModel m) : m_(std::move(m)) {}

  static Model load(const std::string& path) { return Model(quant::LoadedModel::load(path)); }

  // The model file's bytes (pickling).
  py::bytes to_bytes() const {
    return m_.is_int8() ? quant::serialize_quant(*m_.int8_model()) : serialize_model(*m_.float_model());
  }
  static Model from_bytes(const std::string& bytes) {
    const std::string name = "<model bytes>";
    if (read_container(bytes, name).kind == ModelKind::kInt8)
      return Model(quant::LoadedModel::from_quant(quant::parse_quant(bytes, name)));
    return Model(quant::LoadedModel::from_float(parse_model(bytes, name)));
  }

  // Trains as `tinytext train` does with `flags`, on rows in memory.
  static py::tuple train(const std::vector<std::string>& texts, const std::vector<std::vector<std::string>>& labels,
                         const std::vector<std::string>& label_names, const std::vector<std::string>& flags,
                         const std::string& name) {
    const cli::TrainSetup setup = cli::train_setup(flags);
    struct Out {
      cli::Trained trained;
      train::TrainReport report;
      data::Dataset data;
    };
    Out out = interruptible([&] {
      Out o;
      o.data = dataset_of(name, texts, labels, label_names, setup.reader);
      cli::print_summary(o.data.summary, setup.request.quiet);
      o.trained = cli::train_on(o.data, setup.request, &o.report);
      return o;
    });
    Model m(out.trained.int8_model ? quant::LoadedModel::from_quant(*out.trained.int8_model)
                                   : quant::LoadedModel::from_float(std::move(out.trained.float_model)));
    py::dict report;
    report["train_examples"] = out.report.train_examples;
    report["valid_examples"] = out.report.valid_examples;
    report["epochs_run"] = out.report.epochs.size();
    report["best_epoch"] = out.report.best_epoch;
    report["valid_metric"] = out.report.metric_name;
    report["valid_value"] = out.report.valid_examples ? py::cast(out.report.best_metric) : py::none();
    report["seconds"] = out.report.tokenize_seconds + out.report.train_seconds;
    // Each kept row's 1-based position (rows left out by --skip-missing have none).
    return py::make_tuple(std::move(m), report, targets_array(out.data), array_of(out.data.lines),
                          data::summary_json(out.data.summary));
  }

  // Scores per text (n x outputs), as eval and predict compute them, on `threads` threads.
  py::array_t<double> scores(const std::vector<std::string>& texts, unsigned threads) {
    const size_t n = texts.size(), k = m_.labels().size();
    std::vector<double> out(n * k);
    interruptible([&] {
      const size_t t_count = std::max<size_t>(1, std::min<size_t>(threads, (n + 255) / 256));
      std::vector<std::thread> pool;
      std::vector<std::exception_ptr> errors(t_count);
      for (size_t t = 0; t < t_count; ++t)
        pool.emplace_back([&, t] {
          try {
            quant::LoadedModel local = m_.clone();
            for (size_t i = n * t / t_count; i < n * (t + 1) / t_count; ++i) {
              if (cancel_flag().load(std::memory_order_relaxed)) return;
              const std::vector<double> s = local.scores(texts[i]);
              std::copy(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(i * k));
            }
          } catch (...) {
            errors[t] = std::current_exception();
          }
        });
      for (auto& th : pool) th.join();
      for (auto& e : errors)
        if (e) std::rethrow_exception(e);
      check_cancelled();
      return 0;
    });
    py::array_t<double> a({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(k)});
    std::copy(out.begin(), out.end(), a.mutable_data());
    return a;
  }

  // `tinytext eval --json`'s object for labelled rows.
  std::string evaluate(const std::vector<std::string>& texts, const std::vector<std::vector<std::string>>& labels,
                       const std::vector<std::string>& label_names, std::optional<double> threshold,
                       const std::string& model_name, const std::string& data_name, const std::vector<std::string>& flags) {
    const data::ReaderOptions ro0 = cli::train_setup(flags).reader;
    return interruptible([&] {
      const std::vector<double> thresholds = cli::eval_thresholds(m_, model_name, threshold);
      data::ReaderOptions ro = ro0;
      ro.require_labels = true;  // as eval reads its data
      ro.allow_one_class = true;
      cli::reader_options_for(m_, ro);
      const data::Dataset d = dataset_of(data_name, texts, labels, label_names, ro);
      quant::LoadedModel local = m_.clone();
      const cli::LabelledScores ls = cli::score_labelled(local, model_name, d);
      const eval::Report r =
          eval::evaluate(ls.scores, ls.truth, m_.labels(),
                         m_.head() == Head::kSoftmax ? eval::Decision::kArgmax : eval::Decision::kThreshold, thresholds);
      return cli::eval_json(r, m_, model_name, data_name, d.summary);
    });
  }

  Model quantize(const std::vector<std::string>& calib, std::optional<std::string> margin) const {
    const FloatModel* f = m_.float_model();
    if (!f) throw Error("this model is already int8");
    const std::string m = margin ? *margin : default_margin();
    return interruptible([&] { return Model(quant::LoadedModel::from_quant(cli::quantize_calibrated(*f, calib, m))); });
  }

  void save(const std::string& path) const {
    if (m_.is_int8())
      quant::save_quant(path, *m_.int8_model());
    else
      save_model(path, *m_.float_model());
  }

  // The int8 model the device runs: this one, or for a float model the one `tinytext size` sizes
  // (quantised without calibration data).
  quant::QuantModel int8() const {
    if (m_.is_int8()) return *m_.int8_model();
    return cli::quantize_calibrated(*m_.float_model(), {}, default_margin());
  }

  std::string size_json() const { return cli::targets_json(int8()); }
  std::string size_text() const { return cli::targets_text(int8()); }
  std::string boards_json() const { return cli::boards_json(int8(), exporter::boards()); }

  std::vector<std::string> export_files(const std::string& dir, const std::string& name,
                                        const std::string& format) const {
    exporter::check_name(name);
    if (!m_.is_int8())
      throw Error("this is a float model; the device runs int8 models only: quantize it first "
                  "(clf.quantize(training_texts))");
    const quant::QuantModel& q = *m_.int8_model();
    // As `tinytext export`: the runtime headers built into this module, the same version.
    const std::vector<exporter::File> runtime = exporter::runtime_files();
    std::vector<exporter::File> files;
    if (format == "c") {
      files = exporter::export_c(q, name);
      files.insert(files.end(), runtime.begin(), runtime.end());
    } else {
      files = exporter::export_arduino(q, name, runtime);
    }
    exporter::write_files(dir, files);
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(dir + "/" + f.path);
    return paths;
  }

  py::dict weights() const {
    py::dict w;
    if (const FloatModel* f = m_.float_model()) {
      w["emb"] = array_of(f->emb);
      w["w1"] = array_of(f->w1);
      w["b1"] = array_of(f->b1);
      w["w2"] = array_of(f->w2);
      w["b2"] = array_of(f->b2);
      w["threshold"] = array_of(f->threshold);
      w["table"] = array_of(f->table);
    } else {
      const std::string& img = m_.int8_model()->image;
      w["image"] = py::bytes(img);
    }
    return w;
  }

  py::list tokenize(const std::string& text) const;

  const quant::LoadedModel& loaded() const { return m_; }

 private:
  quant::LoadedModel m_;
};

const char* kind_name(uint8_t k) { return k == kFeatureChar ? "char" : k == kFeatureWord ? "word" : "bigram"; }

// `tinytext tokenize`'s rows: (kind, token, hash, bucket).
py::list tokens_of(const TokenizerConfig& cfg, const std::string& text) {
  py::list out;
  for (const auto& t : reference_tokens(cfg, text))
    out.append(py::make_tuple(kind_name(t.kind), py::bytes(t.text).attr("decode")("utf-8", "replace"), t.hash,
                              bucket_of(t.hash, cfg.buckets)));
  return out;
}

py::list Model::tokenize(const std::string& text) const { return tokens_of(m_.shape().tokenizer, text); }

}  // namespace
}  // namespace tt::python

PYBIND11_MODULE(_tinytext, mod) {
  using tt::python::Model;
  mod.doc() = "tinytext's host library (the CLI's code) for Python; use the tinytext package.";

  static py::exception<tt::Error> error(mod, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tt::UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const tt::Error& e) {
      error(e.what());
    }
  });

  py::class_<Model>(mod, "Model")
      .def_static("load", &Model::load, py::arg("path"))
      .def_static("from_bytes", [](py::bytes b) { return Model::from_bytes(std::string(b)); }, py::arg("data"))
      .def("to_bytes", &Model::to_bytes)
      .def_static("train", &Model::train, py::arg("texts"), py::arg("labels"), py::arg("label_names"),
                  py::arg("flags"), py::arg("name"))
      .def("scores", &Model::scores, py::arg("texts"), py::arg("threads"))
      .def("evaluate", &Model::evaluate, py::arg("texts"), py::arg("labels"), py::arg("label_names"),
           py::arg("threshold"), py::arg("model_name"), py::arg("data_name"), py::arg("flags"))
      .def("quantize", &Model::quantize, py::arg("texts"), py::arg("margin"))
      .def("save", &Model::save, py::arg("path"))
      .def("size_json", &Model::size_json)
      .def("size_text", &Model::size_text)
      .def("boards_json", &Model::boards_json)
      .def("export", &Model::export_files, py::arg("dir"), py::arg("name"), py::arg("format"))
      .def("weights", &Model::weights)
      .def("tokenize", &Model::tokenize, py::arg("text"))
      .def_property_readonly("labels", [](const Model& m) { return m.loaded().labels(); })
      .def_property_readonly("thresholds", [](const Model& m) { return m.loaded().thresholds(); })
      .def_property_readonly("head", [](const Model& m) { return m.loaded().head() == tt::Head::kSoftmax ? "softmax" : "sigmoid"; })
      .def_property_readonly("is_int8", [](const Model& m) { return m.loaded().is_int8(); })
      .def_property_readonly("describe", [](const Model& m) { return m.loaded().describe(); })
      .def_property_readonly("parameters", [](const Model& m) { return m.loaded().shape().parameter_count(); })
      .def_property_readonly("data_summary", [](const Model& m) {
        return m.loaded().is_int8() ? m.loaded().int8_model()->data : m.loaded().float_model()->data;
      })
      .def_property_readonly("info", [](const Model& m) {
        return m.loaded().is_int8() ? m.loaded().int8_model()->info : m.loaded().float_model()->info;
      });

  mod.def(
      "tokenize",
      [](const std::string& text, uint32_t buckets, int word_ngrams, const std::string& char_ngrams, bool fold_digits) {
        tt::TokenizerConfig cfg{buckets, static_cast<uint8_t>(word_ngrams), 0, 0, static_cast<uint8_t>(fold_digits)};
        if (buckets < 1 || buckets > tt::kMaxBuckets)
          throw tt::UsageError("tokenize: buckets must be in 1.." + std::to_string(tt::kMaxBuckets));
        if (word_ngrams != 1 && word_ngrams != 2) throw tt::UsageError("tokenize: word_ngrams must be 1 or 2");
        tt::cli::parse_char_ngrams("tokenize", char_ngrams, cfg);
        return tt::python::tokens_of(cfg, text);
      },
      py::arg("text"), py::arg("buckets"), py::arg("word_ngrams"), py::arg("char_ngrams"), py::arg("fold_digits"));
  mod.def(
      "hash",
      [](const std::string& word, const std::string& variant) -> uint64_t {
        const auto* p = reinterpret_cast<const uint8_t*>(word.data());
        if (variant == "hsieh32") return tt::hsieh32(p, word.size());
        if (variant == "seed-py") return tt::seed_py(p, word.size());
        throw tt::UsageError("hash: variant must be hsieh32 or seed-py, got '" + variant + "'");
      },
      py::arg("word"), py::arg("variant"));
}
