#include "core/json_writer.h"

#include <gtest/gtest.h>

namespace citywatch::core {
namespace {

TEST(JsonWriter, WritesNestedValuesWithCommas) {
  JsonWriter w;
  w.begin_object().field("ip", "192.0.2.1").field("port", 80).field("ok", true);
  w.key("tags").begin_array().value("camera").value("iot").end_array();
  w.key("none").null();
  w.key("empty").begin_object().end_object();
  w.end_object();
  EXPECT_EQ(
      w.str(),
      R"({"ip":"192.0.2.1","port":80,"ok":true,"tags":["camera","iot"],"none":null,"empty":{}})");
}

TEST(JsonWriter, EscapesControlAndQuotes) {
  JsonWriter w;
  w.value(std::string_view("a\"b\\c\n\x01", 7));
  EXPECT_EQ(w.str(), R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.begin_array().value(1.5).value(std::numeric_limits<double>::infinity()).end_array();
  EXPECT_EQ(w.str(), "[1.5,null]");
}

}  // namespace
}  // namespace citywatch::core
