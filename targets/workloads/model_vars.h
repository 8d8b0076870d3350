// The model, state and scores of the model workloads (classify.h, stream.h), static so their RAM
// shows up in .bss (ram_static) and the stack figure is the runtime's own. None in the
// TT_BASELINE build (the harness without the runtime). Include after the generated
// "workload_data.h", which defines TT_W_MODEL, TT_W_STATE and TT_W_SCORES.
#ifndef TT_WORKLOADS_MODEL_VARS_H
#define TT_WORKLOADS_MODEL_VARS_H

#include <tinytext/model.h>

#if !defined(TT_BASELINE)
namespace {
#if defined(TT_W_RUNTIME_CHECK)
tt::Model model;   // the generic path: model_open checks the image at run time
#else
TT_W_MODEL model;  // the static path: the shape is compiled in, nothing to open (no RAM)
#endif
TT_W_STATE state;
TT_W_SCORES scores;
}  // namespace
#endif

#endif  // TT_WORKLOADS_MODEL_VARS_H
