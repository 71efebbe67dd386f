#pragma once
#include <string>
#include <vector>

#include "engine/layer.hpp"
#include "targets/expected.hpp"
#include "targets/target.hpp"

namespace reachprobe::engine {

struct PlannedLayer {
  Layer layer;
  bool required;  // may be named by the verdict; otherwise its failure is only a warning
};

// Which layers a target gets (CONTRACT §2 table) and which of them are required.
struct LayerPlan {
  std::string module;  // the built-in module name for reports
  std::vector<PlannedLayer> layers;

  const PlannedLayer* find(Layer layer) const {
    for (const auto& p : layers) {
      if (p.layer == layer) return &p;
    }
    return nullptr;
  }
  // True when a planned layer above `layer` runs on the same connection.
  bool continues_above(Layer layer) const {
    for (const auto& p : layers) {
      if (p.layer > layer) return true;
    }
    return false;
  }
};

// Fails with a one-line reason for target forms whose layers this build does not have.
targets::Expected<LayerPlan> plan_for(const targets::Target& target, bool trace_path,
                                      bool ssh_credentials = false);

}  // namespace reachprobe::engine
