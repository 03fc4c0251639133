#include "core/result.h"

namespace citywatch::core {

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage:
      return 64;
    case ErrorCode::kBadInput:
      return 65;
    case ErrorCode::kNotFound:
      return 66;
    case ErrorCode::kUnavailable:
      return 69;
    case ErrorCode::kInternal:
      return 70;
    case ErrorCode::kIo:
      return 74;
    case ErrorCode::kConfig:
      return 78;
  }
  return 70;
}

}  // namespace citywatch::core
