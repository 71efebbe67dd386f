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
// The host layer (CONTRACT §8) after ssh_exec, for an ssh target that logs in with triage on
// (--ssh.triage, --ssh.triage-via or a module's `triage: true`); required only when the
// module lists findings in `fail_on`, so findings otherwise warn.
void add_host_layer(const ProbeOptions& options, const targets::Target& target, LayerPlan& plan);

targets::Expected<ModuleTarget> apply_module(const targets::Module& module,
                                             const std::string& target_text, ProbeOptions& options);

// apply_module() in its two halves: what the module sets in the options (the same for every
// target, so /probe keeps it per module), and the target and plan it makes of one target.
void apply_module_options(const targets::Module& module, ProbeOptions& options);
targets::Expected<ModuleTarget> module_target(const targets::Module& module,
                                              const std::string& target_text,
                                              const ProbeOptions& options);

}  // namespace reachprobe::layers
