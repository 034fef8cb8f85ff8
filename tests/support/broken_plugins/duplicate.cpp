// Fixture: a second plugin registering the encoder name `categorical`. Loaded after the
// built-in one, it must be refused with a message naming both library files.
#include "fixture_encoder.hpp"

CLASSFLOW_PLUGIN("classflow_encoder_duplicate", "0.0.0", "MIT", "fixture: duplicate name") {
  registrar.add_encoder<classflow::fixtures::FixtureEncoder>("categorical",
                                                             "fixture: clashes with the built-in");
}
