// ClassIndex ordering, lookups, compatibility, and the mapping file formats.
#include <catch2/catch.hpp>

#include <classflow/class_index.hpp>
#include <classflow/error.hpp>
#include <classflow/mapping_file.hpp>

#include <filesystem>
#include <fstream>

using classflow::ClassIndex;
using classflow::ClassOrder;

TEST_CASE("byte order equals Python sorted: digits as text, upper case first", "[class_index]") {
  CHECK(ClassIndex::sorted({"2", "10", "1"}).class_names() == std::vector<std::string>{"1", "10", "2"});
  CHECK(ClassIndex::sorted({"ant", "Cat", "Bee"}).class_names() == std::vector<std::string>{"Bee", "Cat", "ant"});
  CHECK(ClassIndex::sorted({"zebra", "Apple", "mango"}).class_names() ==
        std::vector<std::string>{"Apple", "mango", "zebra"});
  // UTF-8 byte order equals code-point order: 'é' (C3 A9) sorts after 'z'.
  CHECK(ClassIndex::sorted({"\xC3\xA9t\xC3\xA9", "zoo", "abc"}).class_names() ==
        std::vector<std::string>{"abc", "zoo", "\xC3\xA9t\xC3\xA9"});
}

TEST_CASE("natural order compares digit runs as numbers (BR-06)", "[class_index]") {
  auto idx = ClassIndex::sorted({"1", "10", "2"}, ClassOrder::natural);
  CHECK(idx.class_names() == std::vector<std::string>{"1", "2", "10"});
  CHECK(ClassIndex::sorted({"img12", "img2", "img1b"}, ClassOrder::natural).class_names() ==
        std::vector<std::string>{"img1b", "img2", "img12"});
  CHECK(classflow::parse_class_order("natural") == ClassOrder::natural);
  CHECK_THROWS_WITH(classflow::parse_class_order("alpha"),
                    "unknown class_order 'alpha'; expected one of: bytes, natural");
}

TEST_CASE("explicit order is kept, both directions of the mapping agree (BR-08, BR-11)", "[class_index]") {
  ClassIndex idx({"b", "a"});
  CHECK(idx.index_of("b") == 0);
  CHECK(idx.index_of("a") == 1);
  CHECK(idx.name_of(0) == "b");
  CHECK(idx.name_of(1) == "a");
  CHECK_FALSE(idx.find("c").has_value());
  CHECK_THROWS_WITH(idx.index_of("c"), "class 'c' is not in the class index; expected one of: b, a");
  CHECK_THROWS_WITH(idx.name_of(2), "class index '2' is out of range; expected 0..1");
  CHECK_THROWS_WITH(ClassIndex({"a", "b", "a"}),
                    "class 'a' appears twice (indices 0 and 2); expected unique class names");
}

TEST_CASE("require_compatible names missing, extra and moved classes", "[class_index]") {
  ClassIndex train({"cat", "dog", "emu"});
  CHECK_NOTHROW(train.require_compatible(ClassIndex({"cat", "dog", "emu"})));
  CHECK_THROWS_WITH(train.require_compatible(ClassIndex({"dog", "cat", "fox"})),
                    "class indices are not compatible; missing classes: emu; extra classes: fox; different "
                    "indices: 'cat' is 0 here but 1 there, 'dog' is 1 here but 0 there; expected the same class "
                    "names at the same indices (load the saved mapping with --class-indices)");
}

TEST_CASE("mapping file round-trips and accepts Keras, torchvision and Keras 3 forms", "[class_index]") {
  classflow::MappingFile m{ClassIndex({"NORUST", "RUST"}), "binary", std::string("RUST"), {{"threshold", "0.7"}}};
  std::string text = classflow::mapping_to_json(m);
  CHECK(text ==
        "{\n  \"format\": \"classflow.class_indices/1\",\n  \"class_names\": [\n    \"NORUST\",\n    \"RUST\"\n  ],\n"
        "  \"class_indices\": {\n    \"NORUST\": 0,\n    \"RUST\": 1\n  },\n  \"num_classes\": 2,\n"
        "  \"class_mode\": \"binary\",\n  \"positive_class\": \"RUST\",\n  \"encoder_options\": {\n"
        "    \"threshold\": \"0.7\"\n  }\n}\n");
  auto back = classflow::mapping_from_json(text, "m.json");
  CHECK(back.class_index == m.class_index);
  CHECK(back.class_mode == "binary");
  CHECK(back.positive_class == std::optional<std::string>("RUST"));
  CHECK(back.encoder_options == m.encoder_options);
  CHECK(classflow::mapping_to_json(m, classflow::MappingFormat::keras) == "{\n  \"NORUST\": 0,\n  \"RUST\": 1\n}\n");

  // A Keras class_indices / torchvision class_to_idx dict, in any key order.
  CHECK(classflow::mapping_from_json(R"({"dog": 1, "cat": 0, "emu": 2})", "k.json").class_index.class_names() ==
        std::vector<std::string>{"cat", "dog", "emu"});
  // A Keras 3 class_names list.
  CHECK(classflow::mapping_from_json(R"(["b", "a"])", "k3.json").class_index.class_names() ==
        std::vector<std::string>{"b", "a"});
  CHECK_THROWS_WITH(classflow::mapping_from_json(R"({"a": 0, "b": 0})", "bad.json"),
                    "mapping file 'bad.json': index 0 is used by 'a' and 'b'; expected each index once");
  CHECK_THROWS_WITH(classflow::mapping_from_json(R"({"a": 0, "b": 5})", "gap.json"),
                    "mapping file 'gap.json': index 5 of class 'b' is out of range; expected indices 0..1 each "
                    "used once");
  CHECK_THROWS_WITH(classflow::mapping_from_json(R"({"format": "classflow.class_indices/9", "class_names": []})",
                                                 "v9.json"),
                    "mapping file 'v9.json' has format '\"classflow.class_indices/9\"'; expected "
                    "'classflow.class_indices/1'");
  CHECK_THROWS_AS(classflow::mapping_from_json("{not json", "x.json"), classflow::DataError);
}

TEST_CASE("save and load a mapping file from disk (BR-11)", "[class_index]") {
  auto dir = std::filesystem::temp_directory_path() / "classflow_mapping_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "class_indices.json").string();
  classflow::MappingFile m{ClassIndex({"cat", "dog", "emu"}), "categorical", std::nullopt};
  classflow::save_mapping(path, m);
  auto back = classflow::load_mapping(path);
  CHECK(back.class_index == m.class_index);
  CHECK(back.class_index.index_of("emu") == 2);
  CHECK_FALSE(back.positive_class.has_value());
  CHECK_THROWS_WITH(classflow::load_mapping((dir / "missing.json").string()),
                    Catch::Contains("missing.json' does not exist; expected a class_indices.json"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("mapping files: contradictions, hostile JSON and dicts whose classes look like fields", "[class_index]") {
  using classflow::DataError;
  using classflow::mapping_from_json;
  auto refused = [](const std::string& text) {
    try {
      mapping_from_json(text, "m.json");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(refused(R"({"format": "classflow.class_indices/1", "class_names": ["a", "b"], "num_classes": 3})") ==
        "mapping file 'm.json': num_classes is 3 but 2 class names are listed; expected the two to agree (the file "
        "was edited or damaged)");
  CHECK(refused(R"({"class_names": ["a", "b"], "class_mode": "binary", "positive_class": "c"})") ==
        "mapping file 'm.json': positive_class 'c' contradicts class_mode 'binary' and classes [\"a\",\"b\"]; "
        "expected the name of index 1 with class_mode 'binary' and 2 classes");
  CHECK(refused(R"({"class_names": ["a", "b"], "class_mode": "binary", "positive_class": "a"})") != "(accepted)");
  CHECK(refused(R"({"class_names": ["a", "b", "c"], "class_mode": "categorical", "positive_class": "b"})") !=
        "(accepted)");
  CHECK(refused(R"({"class_names": ["a"], "encoder_options": {"x": [1]}})") ==
        "mapping file 'm.json': encoder_options 'x' is [1]; expected a string or a number");
  // Deep nesting is refused while parsing (no stack overflow), numbers that overflow are data errors.
  CHECK(refused(std::string(100000, '[') + std::string(100000, ']')) ==
        "mapping file 'm.json' nests deeper than 16 levels; expected a class_indices.json written by classflow, a "
        "Keras class_indices dict or a class_names list");
  CHECK_THAT(refused(R"({"a": 2e308})"), Catch::StartsWith("mapping file 'm.json' is not valid JSON ("));
  // A Keras dict may have classes named like classflow's fields.
  CHECK(mapping_from_json(R"({"format": 1, "class_names": 0, "class_indices": 2})", "k.json").class_index.class_names() ==
        std::vector<std::string>{"class_names", "format", "class_indices"});
  // A binary mapping without positive_class gets it from index 1.
  CHECK(mapping_from_json(R"({"class_names": ["n", "y"], "class_mode": "binary"})", "m.json").positive_class ==
        std::optional<std::string>("y"));
}

TEST_CASE("a Keras dict of 100,000 classes loads in linear time", "[class_index]") {
  std::string text = "{";
  for (int i = 99999; i >= 0; --i) text += "\"c" + std::to_string(i) + "\": " + std::to_string(i) + (i ? ", " : "}");
  auto m = classflow::mapping_from_json(text, "big.json");
  REQUIRE(m.class_index.size() == 100000);
  CHECK(m.class_index.name_of(12345) == "c12345");
}
