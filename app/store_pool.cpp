#include "app/store_pool.h"

namespace citywatch::app {

StorePool::Lease::~Lease() {
  if (pool_ && store_) pool_->give_back(std::move(store_));
}

core::Result<StorePool::Lease> StorePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  auto opened = db::Store::open(path_, false);
  if (!opened) return core::fail(opened.error());
  return Lease(this, std::make_unique<db::Store>(std::move(*opened)));
}

void StorePool::give_back(std::unique_ptr<db::Store> store) {
  store->connection().clear_deadline();
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(store));
}

}  // namespace citywatch::app
