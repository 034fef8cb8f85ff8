// Fixture: encoder `throwing`, whose encode throws a plain std::runtime_error. The SDK adapter
// must turn it into a status and the host into classflow::PluginError; the process goes on.
#include "fixture_encoder.hpp"

#include <stdexcept>

namespace {

class ThrowingEncoder : public classflow::fixtures::FixtureEncoder {
 public:
  using FixtureEncoder::FixtureEncoder;
  void encode(const classflow::sdk::LabelBatch&, void*) const override {
    throw std::runtime_error("boom");
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_throwing", "0.0.0", "MIT", "fixture: encode throws") {
  registrar.add_encoder<ThrowingEncoder>("throwing", "fixture: encode throws 'boom'");
}
