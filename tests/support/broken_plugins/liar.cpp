// Fixture: encoders that break the contract the host checks — a label dtype that does not
// exist, a negative label dimension, a decoded class id outside [0, K). Each must become a
// PluginError naming the plugin, never a crash or a C++ library message.
#include "fixture_encoder.hpp"

namespace {

using classflow::fixtures::FixtureEncoder;

class BadDtype : public FixtureEncoder {
 public:
  using FixtureEncoder::FixtureEncoder;
  classflow::sdk::TensorDesc label_desc() const override { return {static_cast<classflow::sdk::DType>(99), {}}; }
};

class BadShape : public FixtureEncoder {
 public:
  using FixtureEncoder::FixtureEncoder;
  classflow::sdk::TensorDesc label_desc() const override { return {classflow::sdk::DType::float32, {-5}}; }
};

class BadId : public FixtureEncoder {
 public:
  using FixtureEncoder::FixtureEncoder;
  std::vector<classflow::sdk::Decoded> decode(const float*, int64_t, const classflow::sdk::DecodeOptions&) const override {
    return {{7, 1.0f}};
  }
};

}  // namespace

CLASSFLOW_PLUGIN("classflow_encoder_liar", "0.0.0", "MIT", "fixture: breaks the encoder contract") {
  registrar.add_encoder<BadDtype>("liar_dtype", "fixture: label dtype 99");
  registrar.add_encoder<BadShape>("liar_shape", "fixture: label shape [-5]");
  registrar.add_encoder<BadId>("liar_id", "fixture: decodes class id 7");
}
