#pragma once
#include <string>

#include "engine/layer_plan.hpp"
#include "layers/probe_session.hpp"
#include "targets/module.hpp"

namespace reachprobe::layers {

struct ModuleTarget {
  targets::Target target;
  LayerPlan plan;
};

// Applies a config module to a target as blackbox_exporter reads it (a scheme-less http
// target gets http://, a grpc module's `tls` picks grpcs://) and fills `options` from the
// module. Kinds or options this build cannot probe are refused with a one-line reason.
targets::Expected<ModuleTarget> apply_module(const targets::Module& module,
                                             const std::string& target_text, ProbeOptions& options);

}  // namespace reachprobe::layers
