// Transforms from Python: one transform applied to one array (classflow.apply_transform), and the
// raw counter-based stream (tests compare it with numpy.random.Philox).
#include "bindings.hpp"

#include <classflow/error.hpp>
#include <classflow/image_transform.hpp>
#include <classflow/registry.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "random/philox_stream.hpp"

namespace classflow::python {

namespace {
// [H, W] or [H, W, C] uint8 / float32 -> the same dtype, transformed.
py::array apply(const std::shared_ptr<Registry>& registry, const TransformSpec& spec, const py::array& x,
                uint64_t seed, uint64_t epoch, uint64_t sample) {
  const bool f32 = py::isinstance<py::array_t<float>>(x) || !py::isinstance<py::array_t<uint8_t>>(x);
  py::array a = f32 ? py::array(py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(x))
                    : py::array(py::array_t<uint8_t, py::array::c_style>::ensure(x));
  if (!a || (a.ndim() != 2 && a.ndim() != 3))
    throw UsageError("image of " + std::to_string(x.ndim()) + " dimensions is not [H, W] or [H, W, C]; expected an image");
  const int h = static_cast<int>(a.shape(0)), w = static_cast<int>(a.shape(1));
  const int c = a.ndim() == 3 ? static_cast<int>(a.shape(2)) : 1;
  if (c != 1 && c != 3 && c != 4) throw UsageError("image of " + std::to_string(c) + " channels; expected 1, 3 or 4");
  const int elem = f32 ? 4 : 1;
  auto transform = registry->make_transform(spec, h, w);
  cf_image_view in{sizeof(cf_image_view), w, h, c, f32 ? CF_DTYPE_FLOAT32 : CF_DTYPE_UINT8,
                   static_cast<int64_t>(w) * c * elem, const_cast<void*>(a.data())};
  const std::size_t capacity = static_cast<std::size_t>(h) * w * c * elem * 4;
  std::vector<unsigned char> buffer(capacity);
  cf_image_view out = in;
  out.data = buffer.data();
  {
    py::gil_scoped_release release;
    transform->apply(in, out, capacity, seed, epoch, sample, 0);
  }
  std::vector<py::ssize_t> shape{out.height, out.width};
  if (a.ndim() == 3) shape.push_back(c);
  py::array result(f32 ? py::dtype::of<float>() : py::dtype::of<uint8_t>(), shape);
  auto* dst = static_cast<unsigned char*>(result.mutable_data());
  const std::size_t row = static_cast<std::size_t>(out.width) * c * elem;
  for (int y = 0; y < out.height; ++y) std::memcpy(dst + y * row, buffer.data() + y * out.row_bytes, row);
  return result;
}
}  // namespace

void bind_transform(py::module_& m) {
  py::class_<TransformSpec>(m, "TransformSpec")
      .def(py::init<>())
      .def(py::init([](std::string name, std::vector<std::pair<std::string, std::string>> options) {
             return TransformSpec{std::move(name), std::move(options)};
           }),
           py::arg("name"), py::arg("options") = std::vector<std::pair<std::string, std::string>>{})
      .def_readwrite("name", &TransformSpec::name)
      .def_readwrite("options", &TransformSpec::options);
  m.def("apply_transform", &apply, py::arg("registry"), py::arg("spec"), py::arg("x"), py::arg("seed") = 0,
        py::arg("epoch") = 0, py::arg("sample") = 0,
        "Applies one transform to one image [H, W(, C)] uint8 or float32 with sample `sample`'s stream.");
  m.def(
      "philox_stream",
      [](uint64_t seed, uint64_t epoch, uint64_t sample, uint64_t position, int n) {
        detail::PhiloxStream s(seed, epoch, sample, position);
        std::vector<uint64_t> out;
        for (int i = 0; i < n; ++i) out.push_back(s.next());
        return out;
      },
      py::arg("seed"), py::arg("epoch"), py::arg("sample"), py::arg("position"), py::arg("n"),
      "The first n words of a sample's augmentation stream (for tests against numpy.random.Philox).");
}

}  // namespace classflow::python
