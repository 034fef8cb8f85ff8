#include "io/json_text.hpp"

namespace classflow::detail {

std::string json_error_text(const nlohmann::json::exception& e) {
  std::string text = e.what();
  if (text.rfind("[json.exception.", 0) == 0) {  // "[json.exception.parse_error.101] parse error at ..."
    const std::size_t close = text.find("] ");
    if (close != std::string::npos) text.erase(0, close + 2);
  }
  if (text.rfind("parse error at ", 0) == 0) text.erase(0, 15);
  if (const std::size_t last = text.find("; last read: "); last != std::string::npos) text.erase(last);
  return text;
}

}  // namespace classflow::detail
