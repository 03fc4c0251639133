// core/json_writer.h: a small streaming JSON writer (compact, RFC 8259 escaping) for CLI
// output, stored field maps and API bodies. Not thread-safe; one per document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace citywatch::core {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(double number);  // non-finite numbers become null
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // Inserts already-serialised JSON (a stored document) as one value.
  JsonWriter& raw(std::string_view json);

  // key + value in one call
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

  static void append_escaped(std::string& out, std::string_view text);

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace citywatch::core
