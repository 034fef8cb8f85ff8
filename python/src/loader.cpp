// Loader and batches. A batch's images and labels are NumPy arrays viewing the loader's own
// buffers: their `base` is a capsule owning the batch, and when the last view is gone the image
// buffer goes back to the loader's pool (after pybind11's tests/test_numpy_array.cpp and SPDL's
// buffers with an owner). The GIL is released while batches are decoded and while Python waits.
#include "bindings.hpp"

#include <classflow/data_loader.hpp>
#include <classflow/error.hpp>
#include <classflow/registry.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

namespace classflow::python {

namespace {

using LoaderPtr = std::shared_ptr<const DataLoader>;

// Owns a delivered batch for as long as any array views it.
struct BatchOwner {
  LoaderPtr loader;
  Batch batch;
  ~BatchOwner() { loader->recycle(std::move(batch)); }
};

py::dtype dtype_of(sdk::DType t) {
  switch (t) {
    case sdk::DType::uint8: return py::dtype::of<uint8_t>();
    case sdk::DType::uint16: return py::dtype::of<uint16_t>();
    case sdk::DType::int32: return py::dtype::of<int32_t>();
    case sdk::DType::int64: return py::dtype::of<int64_t>();
    case sdk::DType::float32: break;
  }
  return py::dtype::of<float>();
}

py::object view(const Tensor& t, const py::capsule& owner) {
  // No data (0 items, or a label-less batch): a fresh empty array, nothing to share.
  if (t.data.empty()) return py::array(dtype_of(t.dtype), t.shape);
  return py::array(dtype_of(t.dtype), t.shape, t.data.data(), owner);
}

// (images, labels or None, class_ids, sample_indices, paths, epoch, index, skipped)
py::tuple to_python(const LoaderPtr& loader, Batch&& b) {
  auto* owner = new BatchOwner{loader, std::move(b)};
  py::capsule capsule(owner, [](void* p) { delete static_cast<BatchOwner*>(p); });
  const Batch& batch = owner->batch;
  py::object images = view(batch.images, capsule);
  py::object labels = py::none();
  if (!batch.labels.shape.empty()) labels = view(batch.labels, capsule);
  py::array_t<int32_t> class_ids(static_cast<py::ssize_t>(batch.class_ids.size()), batch.class_ids.data());
  py::array_t<int64_t> indices(static_cast<py::ssize_t>(batch.sample_indices.size()), batch.sample_indices.data());
  py::list skipped;
  for (const auto& s : batch.skipped) skipped.append(py::make_tuple(s.sample_index, fs_str(s.path), fs_str(s.reason)));
  return py::make_tuple(images, labels, class_ids, indices, fs_list(batch.paths), batch.epoch, batch.index, skipped);
}

// One epoch's background iteration; the loader outlives its workers (declared first).
struct Stream {
  LoaderPtr loader;
  std::optional<DataLoader::BatchStream> stream;

  // Closed: a copy of the Python iterator that shared it (copies are refused now) or a caller
  // holding on to it after close() gets an error, never an empty optional.
  DataLoader::BatchStream& open() {
    if (!stream) throw UsageError("this batch stream is closed; expected a new one from the loader's stream()");
    return *stream;
  }
  py::object next() {
    DataLoader::BatchStream& s = open();
    Batch b;
    std::optional<bool> ok;
    for (;;) {
      {
        py::gil_scoped_release release;
        ok = s.next_for(b, std::chrono::milliseconds(100));
      }
      if (ok) break;
      // Still decoding: let Ctrl-C (and other signal handlers) run instead of waiting it out.
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    if (!*ok) return py::none();
    return to_python(loader, std::move(b));
  }
  int64_t position() { return open().position(); }
  void close() {
    py::gil_scoped_release release;  // joins the workers
    stream.reset();
  }
};

}  // namespace

void bind_loader(py::module_& m) {
  py::class_<Stream>(m, "Stream", "Background iteration over one epoch, in order.")
      .def("next", &Stream::next, "The next batch tuple, or None after the last.")
      .def_property_readonly("position", &Stream::position)
      .def("close", &Stream::close);

  m.def("check_options", &DataLoader::check_options, py::arg("registry"), py::arg("options"),
        "Every loader option and transform checked before a scan (DataLoader::check_options).");
  m.def("reserve_batches", &DataLoader::reserve_batches, py::arg("options"),
        "The first batches' memory faulted in on a background thread while the scan runs "
        "(DataLoader::reserve_batches); returns at once.");
  py::class_<DataLoader::WarmUp>(m, "WarmUp",
                                 "Loader threads warming up (DataLoader::WarmUp); dropping it waits for them.");
  m.def("warm_up", &DataLoader::warm_up, py::arg("registry"), py::arg("options"), py::arg("scan"),
        py::call_guard<py::gil_scoped_release>(),
        "Starts the loader threads and has each load one image of the folder `scan` reads, while the "
        "scan runs (DataLoader::warm_up); returns at once. Keep the result until the scan is done.");
  py::class_<DataLoader, std::shared_ptr<DataLoader>>(m, "Loader", "classflow::DataLoader")
      .def(py::init([](std::shared_ptr<Registry> registry, const std::shared_ptr<Dataset>& dataset,
                       const LabelSpec& labels, const LoaderOptions& options) {
             return std::make_shared<DataLoader>(std::move(registry), *dataset, labels, options);
           }),
           py::arg("registry"), py::arg("dataset"), py::arg("labels"), py::arg("options"))
      .def_property_readonly("num_batches", [](const DataLoader& l) { return l.num_batches(); })
      .def(
          "refuse_output_over_samples",
          [](const DataLoader& l, const std::string& path, const std::string& what) {
            refuse_output_over_samples(l.dataset(), path, what);
          },
          py::arg("path"), py::arg("what"),
          "Raises UsageError when path is one of this dataset's files (refuse_output_over_samples).")
      .def("epoch_batches", [](const DataLoader& l, const py::object& e) { return l.num_batches(checked_int(e, "epoch", INT64_MIN, INT64_MAX)); })
      .def_property_readonly("num_samples", &DataLoader::num_samples)
      .def_property_readonly("shard_size", &DataLoader::shard_size)
      .def_property_readonly("skipped_count", &DataLoader::skipped_count)
      .def_property_readonly("warnings", &DataLoader::warnings)
      .def(
          "profile",
          [](const DataLoader& l) {
            const LoaderProfile p = l.profile();
            py::dict d;
            d["images"] = p.images;
            d["batches"] = p.batches;
            d["cache_hits"] = p.cache_hits;
            d["batch_buffers"] = p.batch_buffers;
            d["read"] = p.read;
            d["decode"] = p.decode;
            d["resize"] = p.resize;
            d["store"] = p.store;
            d["encode"] = p.encode;
            d["wait"] = p.wait;
            return d;
          },
          "Seconds per stage so far (DataLoader::profile), summed over the workers; wait = the consumer's.")
      .def_property_readonly("labels", &DataLoader::labels)
      .def_property_readonly("options", &DataLoader::options)
      .def("epoch_order",
           [](const DataLoader& l, const py::object& epoch) {
             auto o = l.epoch_order(checked_int(epoch, "epoch", INT64_MIN, INT64_MAX));
             return py::array_t<int64_t>(static_cast<py::ssize_t>(o.size()), o.data());
           })
      .def(
          "state_json",
          [](const DataLoader& l, const py::object& epoch, const py::object& consumed) {
            return state_to_json(l.state(checked_int(epoch, "epoch", INT64_MIN, INT64_MAX),
                                         checked_int(consumed, "batches consumed", INT64_MIN, INT64_MAX)));
          },
          py::arg("epoch"), py::arg("batches_consumed"), "LoaderState as JSON text (DataLoader::state).")
      .def(
          "resume_json",
          [](DataLoader& l, const std::string& text) {
            auto at = l.resume(state_from_json(text, "state_dict"));
            return py::make_tuple(at[0], at[1]);
          },
          py::arg("state"), "(epoch, first batch) to continue from a state (DataLoader::resume).")
      .def(
          "batch",
          [](const std::shared_ptr<DataLoader>& l, const py::object& index, const py::object& epoch) {
            const int64_t i = checked_int(index, "batch index", INT64_MIN, INT64_MAX);
            const int64_t e = checked_int(epoch, "epoch", INT64_MIN, INT64_MAX);
            Batch b = [&] {
              py::gil_scoped_release release;
              return l->batch(i, e);
            }();
            return to_python(l, std::move(b));
          },
          py::arg("index"), py::arg("epoch") = 0)
      .def(
          "stream",
          [](const std::shared_ptr<DataLoader>& l, const py::object& epoch, const py::object& first_batch) {
            auto s = std::make_unique<Stream>();
            s->loader = l;
            s->stream.emplace(l->stream(checked_int(epoch, "epoch", INT64_MIN, INT64_MAX),
                                        checked_int(first_batch, "first batch", INT64_MIN, INT64_MAX)));
            return s;
          },
          py::arg("epoch"), py::arg("first_batch") = 0);
}

}  // namespace classflow::python
