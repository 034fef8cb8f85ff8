#include "image/augmentation.hpp"


#include <classflow/registry.hpp>

namespace classflow::detail {

Augmentation::Augmentation(const Registry& registry, const LoaderOptions& options) {
  for (std::size_t i = 0; i < options.transforms.size(); ++i) {
    auto t = registry.make_transform(options.transforms[i], options.target_size[0], options.target_size[1]);
    (t->stage() == CF_TRANSFORM_BEFORE_RESIZE ? before_ : after_).push_back({static_cast<int>(i), std::move(t)});
  }
}

cv::Mat Augmentation::run(const std::vector<Step>& steps, cv::Mat image, const SampleKey& key) {
  // Two per-thread buffers the steps write into in turn: no allocation per image (fresh pages
  // per image cost more than the warp itself). The result views one of them, valid until this
  // thread's next image — the loader stores it into the batch before that.
  thread_local std::vector<unsigned char> buffers[2];
  int next = 0;
  for (const auto& step : steps) {
    if (!image.isContinuous()) image = image.clone();
    const int depth = image.depth();
    cf_image_view in{sizeof(cf_image_view), image.cols,  image.rows, image.channels(),
                     depth == CV_32F ? CF_DTYPE_FLOAT32 : CF_DTYPE_UINT8, static_cast<int64_t>(image.step[0]),
                     image.data};
    // A before-resize transform may change the size (a crop, or a zoom-out of up to 4 times the
    // area): its buffer is four times the input.
    const std::size_t capacity =
        image.total() * image.elemSize() * (step.transform->stage() == CF_TRANSFORM_BEFORE_RESIZE ? 4 : 1);
    auto& buffer = buffers[next];
    if (buffer.size() < capacity) buffer.resize(capacity);
    cf_image_view view = in;
    view.data = buffer.data();
    step.transform->apply(in, view, capacity, key.seed, key.epoch, key.sample, static_cast<uint64_t>(step.position));
    image = cv::Mat(view.height, view.width, CV_MAKETYPE(depth, view.channels), buffer.data(),
                    static_cast<std::size_t>(view.row_bytes));
    next = 1 - next;
  }
  return image;
}

}  // namespace classflow::detail
